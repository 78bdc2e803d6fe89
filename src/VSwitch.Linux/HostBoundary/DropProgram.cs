using System.Runtime.InteropServices;
using System.Text;
using VSwitch.Linux.Native;

namespace VSwitch.Linux.HostBoundary;

/// <summary>
/// The eBPF program that keeps a port's received frames from the host's own stack: two instructions,
/// <c>r0 = TC_ACT_SHOT; exit</c>, run by cls_bpf in direct-action mode on the interface's clsact ingress
/// hook. Packet sockets (the switch's port) get every frame before tc ingress runs, so the switch still
/// sees everything and the host's stack sees nothing: what the kernel bridge's rx_handler does for its
/// ports. Small enough to need no compiler; loaded once, shared by every port's filter.
/// </summary>
internal sealed unsafe partial class DropProgram : IDisposable
{
    private const int BPF_PROG_LOAD = 5;
    private const uint BPF_PROG_TYPE_SCHED_CLS = 3;
    private const long SYS_bpf = 321; // x86_64
    private const int TC_ACT_SHOT = 2;

    // bpf_insn: opcode, dst:4|src:4, 16-bit offset, 32-bit immediate.
    private static readonly ulong[] Instructions =
    [
        0xb7 | ((ulong)(uint)TC_ACT_SHOT << 32), // BPF_ALU64 | BPF_MOV | BPF_K: r0 = TC_ACT_SHOT
        0x95,                                    // BPF_JMP | BPF_EXIT
    ];

    /// <summary>The name bpftool and `tc filter show` print for it.</summary>
    public const string Name = "vswitchd_drop";

    private readonly FileDescriptor _fd;

    private DropProgram(FileDescriptor fd) => _fd = fd;

    public int Fd => _fd.Fd;

    /// <summary>Loads the program (BPF_PROG_LOAD); the kernel's refusal is an <see cref="IOException"/> naming
    /// errno.</summary>
    public static DropProgram Load()
    {
        // union bpf_attr, as far as BPF_PROG_LOAD's fields up to prog_name; the rest stays zero.
        byte* attr = stackalloc byte[128];
        new Span<byte>(attr, 128).Clear();
        byte* license = stackalloc byte[4];
        Encoding.ASCII.GetBytes("GPL\0", new Span<byte>(license, 4));
        fixed (ulong* insns = Instructions)
        {
            *(uint*)(attr + 0) = BPF_PROG_TYPE_SCHED_CLS;
            *(uint*)(attr + 4) = (uint)Instructions.Length;
            *(ulong*)(attr + 8) = (ulong)insns;
            *(ulong*)(attr + 16) = (ulong)license;
            // prog_name at offset 48 (after log_level, log_size, log_buf, kern_version, prog_flags)
            Encoding.ASCII.GetBytes(Name, new Span<byte>(attr + 48, 15));
            long fd = syscall(SYS_bpf, BPF_PROG_LOAD, attr, 128);
            if (fd < 0) throw NativeError.Exception("bpf(BPF_PROG_LOAD, the port drop program)",
                Marshal.GetLastPInvokeError());
            return new DropProgram(new FileDescriptor((int)fd));
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, int command, void* attr, uint size);

    public void Dispose() => _fd.Dispose();
}
