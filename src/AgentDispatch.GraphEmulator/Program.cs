using AgentDispatch.GraphEmulator;

await GraphEmulatorApp.Build(args).RunAsync().ConfigureAwait(false);
