using AgentDispatch.VideoSdkEmulator;

await VideoSdkEmulatorApp.Build(args).RunAsync().ConfigureAwait(false);
