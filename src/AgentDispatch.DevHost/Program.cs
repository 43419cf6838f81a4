using AgentDispatch.DevHost;

await using var app = await DevHostApplication.BuildAsync(args);
await app.RunAsync();
