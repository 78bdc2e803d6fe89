using SharpFuzz;
using VSwitch.Fuzz;

// vswitch-fuzz TARGET: under afl-fuzz (fuzz/run.sh), feeds each input AFL makes to the target.
// vswitch-fuzz TARGET FILE…: runs the target once per file, as CI replays a corpus or one examines a crash
// (with the uninstrumented build: instrumented code needs AFL's shared memory, which only a fuzz run has).
if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var make))
{
    Console.Error.WriteLine($"usage: vswitch-fuzz {string.Join('|', FuzzTargets.All.Keys)} [FILE…]");
    return 2;
}
if (args.Length > 1)
{
    var once = make();
    foreach (string file in args[1..]) once.Run(File.ReadAllBytes(file));
    Console.WriteLine($"{once.Name}: {args.Length - 1} inputs, no crash");
    return 0;
}
// Built inside the first run: the instrumented code it runs records coverage, which needs the fuzzer's
// shared memory, set up by Fuzzer.Run.
IFuzzTarget? target = null;
Fuzzer.Run(stream =>
{
    target ??= make();
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target.Run(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
});
return 0;
