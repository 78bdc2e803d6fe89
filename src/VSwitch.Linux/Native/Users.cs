using System.Runtime.InteropServices;
using System.Text;

namespace VSwitch.Linux.Native;

/// <summary>User and group lookup through libc's getpwnam_r and getgrnam_r, so NSS sources (LDAP,
/// systemd-userdb) count as well as /etc/passwd and /etc/group.</summary>
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

    [StructLayout(LayoutKind.Sequential)]
    private struct Group
    {
        public byte* Name;
        public byte* Password;
        public uint Gid;
        public byte** Members;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getgrnam_r(byte* name, Group* entry, byte* buffer, nuint size, Group** result);

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

    public static uint? Gid(string name)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(name + "\0");
        byte[] buffer = new byte[65536]; // a group lists its members: larger than a passwd entry
        Group entry;
        Group* result = null;
        fixed (byte* n = bytes)
        fixed (byte* b = buffer)
        {
            int error = getgrnam_r(n, &entry, b, (nuint)buffer.Length, &result);
            return error == 0 && result != null ? entry.Gid : null;
        }
    }
}
