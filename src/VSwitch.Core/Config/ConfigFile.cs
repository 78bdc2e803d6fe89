using System.Security.Cryptography;
using System.Text.Json;
using VSwitch.Core.Control;

namespace VSwitch.Core.Config;

/// <summary>Reads and atomically writes the config file.</summary>
public static class ConfigFile
{
    /// <summary>The configuration file's mode, whatever the umask: root writes it, its group may read it.</summary>
    public const UnixFileMode FilePermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    /// <summary>The mode of a directory made for it: no one but root and its group may enter.</summary>
    public const UnixFileMode DirectoryPermissions = UnixFileMode.UserRead | UnixFileMode.UserWrite
        | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;

    /// <summary>
    /// A missing file is an empty switch; a malformed one is refused with the JSON path of the fault. So is an
    /// empty one: the switch never writes one, so it is a damaged file, and starting empty would overwrite
    /// the bridges it had at the first change.
    /// </summary>
    public static SwitchConfig Load(string path)
    {
        if (!File.Exists(path)) return new SwitchConfig();
        string text = File.ReadAllText(path);
        if (string.IsNullOrWhiteSpace(text))
            throw new ConfigException($"config {path} is empty, which vswitchd never writes: restore it from a " +
                "backup, or delete it to start a switch with no bridges");
        return Parse(text, path);
    }

    /// <summary>Parses and validates a configuration's text; <paramref name="path"/> names it in errors.</summary>
    public static SwitchConfig Parse(string text, string path)
    {
        SwitchConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(text, ConfigJsonContext.Default.SwitchConfig);
        }
        catch (JsonException e)
        {
            string where = e.Path is null ? "" : $" at {e.Path}";
            string line = e.LineNumber is null ? "" : $" (line {e.LineNumber + 1})";
            throw new ConfigException($"config {path}{where}{line}: {FirstSentence(e.Message)}");
        }
        if (config is null) throw new ConfigException($"config {path}: expected a JSON object");
        ConfigValidator.Validate(config, path);
        return config;
    }

    public static string Serialize(SwitchConfig config) => JsonSerializer.Serialize(config,
        ConfigJsonContext.Default.SwitchConfig);

    /// <summary>
    /// Writes a temporary file beside the target, fsyncs it, renames it over the target and fsyncs the
    /// directory. The temporary file has a name no one can guess and is created exclusively (O_CREAT|O_EXCL,
    /// which also refuses a symbolic link planted in its place), then given <see cref="FilePermissions"/> by
    /// fchmod, so the umask has no say. A write that fails (a full disk) removes it and leaves the target
    /// as it was.
    /// </summary>
    public static void SaveAtomically(string path, SwitchConfig config)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, DirectoryPermissions);
            File.SetUnixFileMode(directory, DirectoryPermissions);
        }
        string unguessable = Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{unguessable}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, new FileStreamOptions
                   {
                       Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FilePermissions,
                   }))
            {
                File.SetUnixFileMode(stream.SafeFileHandle, FilePermissions);
                stream.Write(System.Text.Encoding.UTF8.GetBytes(Serialize(config) + "\n"));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        SyncDirectory(directory);
    }

    private static void SyncDirectory(string directory)
    {
        // A rename is durable only once the directory entry is on disk. Opening a directory for fsync is
        // not possible through FileStream on every runtime, so a failure here is tolerated: the rename
        // itself is still atomic.
        try
        {
            using var handle = File.OpenHandle(directory, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
