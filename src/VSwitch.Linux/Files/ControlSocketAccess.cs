using System.Globalization;
using System.Text;
using Tmds.Linux;
using VSwitch.Core.Control;
using VSwitch.Linux.Native;
using static Tmds.Linux.LibC;

namespace VSwitch.Linux.Files;

/// <summary>
/// Who may reach the daemon's control socket: root, and with a group (--socket-group) that group's members,
/// as Docker's and libvirt's sockets allow. The directory and the socket get their modes explicitly, so the
/// umask has no say, and a directory anyone may write to (where the socket could be swapped) is tightened.
/// </summary>
public sealed class ControlSocketAccess
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite
        | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
    private const UnixFileMode Writable = UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;

    private ControlSocketAccess(uint? gid) => Gid = gid;

    /// <summary>The group that may use the socket; null: root only.</summary>
    public uint? Gid { get; }

    /// <summary>An unknown group is refused by name.</summary>
    public static ControlSocketAccess For(string? group)
    {
        if (group is null) return new ControlSocketAccess(null);
        if (uint.TryParse(group, NumberStyles.None, CultureInfo.InvariantCulture, out uint gid))
            return new ControlSocketAccess(gid);
        return new ControlSocketAccess(Users.Gid(group)
            ?? throw new ConfigException($"--socket-group: no group named '{group}' (give a group name from the " +
                "group database or a numeric gid)"));
    }

    /// <summary>
    /// Makes the socket's directory (0750, the group's when given) if it is missing. One that exists keeps
    /// its mode unless others or its group may write to it; then it is tightened and the returned warning
    /// says so.
    /// </summary>
    public string? PrepareDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, DirectoryMode);
            File.SetUnixFileMode(directory, DirectoryMode);
            if (Gid is { } gid) Own(directory, gid);
            return null;
        }
        var mode = File.GetUnixFileMode(directory);
        if ((mode & Writable) == 0 || (mode & UnixFileMode.StickyBit) != 0) return null;
        File.SetUnixFileMode(directory, mode & ~Writable);
        return $"{directory} was writable by {((mode & UnixFileMode.OtherWrite) != 0 ? "anyone" : "its group")}, " +
            "so the control socket in it could have been replaced: write access for group and others removed";
    }

    /// <summary>The socket just bound: 0600, or 0660 and the group's.</summary>
    public void Apply(string socket)
    {
        var mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (Gid is { } gid)
        {
            Own(socket, gid);
            mode |= UnixFileMode.GroupRead | UnixFileMode.GroupWrite;
        }
        File.SetUnixFileMode(socket, mode);
    }

    /// <summary>lchown(path, unchanged, gid): the owner stays root.</summary>
    private static unsafe void Own(string path, uint gid)
    {
        fixed (byte* p = Encoding.UTF8.GetBytes(path + "\0"))
            if (lchown(p, uint.MaxValue, gid) < 0) throw NativeError.Last($"lchown({path}, -1, {gid})");
    }
}
