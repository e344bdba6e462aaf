using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>textDocument/didSave: without a trained model, the open-documents model is rebuilt on the next query.</summary>
public sealed class DidSaveHandler : NotificationHandler<DidSaveTextDocumentParams>
{
    public override string Method => Methods.DidSave;

    public override Task HandleAsync(DidSaveTextDocumentParams p, ServerContext ctx, CancellationToken ct)
    {
        if (!ctx.Engine.IsOpen(p.TextDocument.Uri))
        {
            ctx.Log.Warn($"didSave of a document that is not open: {p.TextDocument.Uri}; ignored");
            return Task.CompletedTask;
        }
        ctx.Engine.Saved(p.TextDocument.Uri);
        return Task.CompletedTask;
    }
}
