using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>textDocument/didClose: the document leaves the engine (its text stays among the recent files).</summary>
public sealed class DidCloseHandler : NotificationHandler<DidCloseTextDocumentParams>
{
    public override string Method => Methods.DidClose;

    public override Task HandleAsync(DidCloseTextDocumentParams p, ServerContext ctx, CancellationToken ct)
    {
        if (!ctx.Engine.IsOpen(p.TextDocument.Uri))
        {
            ctx.Log.Warn($"didClose of a document that is not open: {p.TextDocument.Uri}; ignored");
            return Task.CompletedTask;
        }
        ctx.Engine.Close(p.TextDocument.Uri);
        return Task.CompletedTask;
    }
}
