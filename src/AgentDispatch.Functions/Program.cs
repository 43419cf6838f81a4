using AgentDispatch.Functions;
using Microsoft.Extensions.Hosting;

AgentDispatchApp.CreateFunctionsBuilder(args).Build().Run();
