using System.Runtime.InteropServices;
using System.Text;

namespace VSwitch.Linux.Native;

/// <summary>User lookup through libc's getpwnam_r, so NSS sources (LDAP, systemd-userdb) count as well as
/// /etc/passwd.</summary>
internal static unsafe partial class Users
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Passwd
    {
        public byte* Name;
        public byte* Password;
        public uint Uid;
        public uint Gid;
        public byte* Gecos;
        public byte* Directory;
        public byte* Shell;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getpwnam_r(byte* name, Passwd* entry, byte* buffer, nuint size, Passwd** result);

    public static uint? Uid(string name)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name + "\0");
        byte[] buffer = new byte[16384];
        Passwd entry;
        Passwd* result = null;
        fixed (byte* n = bytes)
        fixed (byte* b = buffer)
        {
            int error = getpwnam_r(n, &entry, b, (nuint)buffer.Length, &result);
            return error == 0 && result != null ? entry.Uid : null;
        }
    }
}
