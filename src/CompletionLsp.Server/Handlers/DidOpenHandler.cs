using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>textDocument/didOpen: the engine takes the document's text (re-opening replaces it).</summary>
public sealed class DidOpenHandler : NotificationHandler<DidOpenTextDocumentParams>
{
    public override string Method => Methods.DidOpen;

    public override Task HandleAsync(DidOpenTextDocumentParams p, ServerContext ctx, CancellationToken ct)
    {
        var doc = p.TextDocument;
        if (ctx.Engine.IsOpen(doc.Uri)) ctx.Log.Debug($"didOpen of an open document {doc.Uri}: its text is replaced");
        ctx.Engine.Open(doc.Uri, doc.Text, doc.Version);
        if (ctx.Engine.UnusableReason(doc.Uri) is { } why)
        {
            ctx.ShowMessage(MessageType.Warning, $"CompletionLsp: no completions for {doc.Uri}: {why}");
            if (doc.Text.Length > DidCloseHandler.LargeDocumentChars) DidCloseHandler.ReturnMemory(); // the refused text
        }
        return Task.CompletedTask;
    }
}
