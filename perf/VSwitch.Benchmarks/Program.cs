using BenchmarkDotNet.Running;

// dotnet run -c Release --project perf/VSwitch.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
