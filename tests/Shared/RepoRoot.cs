namespace CompletionLsp.TestShared;

/// <summary>The repository the tests run in: the folder above the test binaries that holds CompletionLsp.sln.
/// Linked into each test project.</summary>
internal static class RepoRoot
{
    private static readonly Lazy<string> Found = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(System.IO.Path.Combine(dir.FullName, "CompletionLsp.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("CompletionLsp.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Path => Found.Value;
}
