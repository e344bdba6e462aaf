using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>
/// textDocument/didChange: applies the content changes in order, each against the text the previous one left.
/// A change with a range is an incremental edit (UTF-16 positions; past the end of a line or the file they clamp),
/// one without a range replaces the whole text.
/// </summary>
public sealed class DidChangeHandler : NotificationHandler<DidChangeTextDocumentParams>
{
    public override string Method => Methods.DidChange;

    public override Task HandleAsync(DidChangeTextDocumentParams p, ServerContext ctx, CancellationToken ct)
    {
        string uri = p.TextDocument.Uri;
        int version = p.TextDocument.Version;
        var engine = ctx.Engine;
        if (!engine.IsOpen(uri))
        {
            ctx.Log.Warn($"didChange of a document that is not open: {uri}; ignored");
            return Task.CompletedTask;
        }
        foreach (var change in p.ContentChanges)
        {
            if (change.Range == null)
            {
                engine.SetText(uri, change.Text, version);
                continue;
            }
            var (start, end) = engine.ToOffsets(uri, change.Range);
            engine.Change(uri, start, end - start, change.Text, version);
        }
        return Task.CompletedTask;
    }
}
