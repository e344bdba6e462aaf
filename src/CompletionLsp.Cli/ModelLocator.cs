namespace CompletionLsp.Cli;

public static class ModelLocator
{
    /// <summary>The nearest .completion-lsp/model in <paramref name="start"/> or a folder above it.</summary>
    public static string? FindUpwards(string start)
    {
        var dir = new DirectoryInfo(Directory.Exists(start) ? start : Path.GetDirectoryName(Path.GetFullPath(start))!);
        while (dir != null)
        {
            var p = Cli.DefaultModelPath(dir.FullName);
            if (File.Exists(p)) return p;
            dir = dir.Parent;
        }
        return null;
    }
}
