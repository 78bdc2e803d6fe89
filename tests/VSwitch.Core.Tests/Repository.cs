namespace VSwitch.Core.Tests;

/// <summary>Where the repository is, for tests that read files committed in it.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VSwitch.sln"))) return dir.FullName;
        throw new InvalidOperationException("VSwitch.sln not found above " + AppContext.BaseDirectory);
    }
}
