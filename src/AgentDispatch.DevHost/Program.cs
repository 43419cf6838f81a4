var t = typeof(AgentDispatch.Functions.ProbeFunction);
Console.WriteLine(t.Assembly.Location);
