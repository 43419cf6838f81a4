using AgentDispatch.Benchmarks;

return await DispatchBenchmark.RunAsync(BenchmarkSettings.Parse(args));
