using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>workspace/didChangeWatchedFiles: files changed on disk reach the semantic model (open documents keep the editor's text).</summary>
public sealed class DidChangeWatchedFilesHandler : NotificationHandler<DidChangeWatchedFilesParams>
{
    public override string Method => Methods.DidChangeWatchedFiles;

    public override Task HandleAsync(DidChangeWatchedFilesParams p, ServerContext ctx, CancellationToken ct)
    {
        var paths = new List<string>();
        foreach (var change in p.Changes ?? [])
        {
            if (change?.Uri is { } uri && Uri.TryCreate(uri, UriKind.Absolute, out var u) && u.IsFile) paths.Add(u.LocalPath);
        }
        if (paths.Count > 0) ctx.Engine.Semantic?.FilesChanged(paths);
        return Task.CompletedTask;
    }
}
