using CompletionLsp.Server.Transport;

namespace CompletionLsp.Server.Handlers;

/// <summary>What the input guard hands on in place of a didOpen or didChange too large to read (over
/// <see cref="LspInputGuard.DefaultMaxMessageBytes"/>): the document is marked too large, in message order, and the
/// user is told once; it gets no completions until a whole text under the limit comes.</summary>
public sealed record DocumentTooLargeParams
{
    public required string Uri { get; init; }
    public long Bytes { get; init; }
    public string? Method { get; init; }
}

public sealed class DocumentTooLargeHandler : NotificationHandler<DocumentTooLargeParams>
{
    public override string Method => LspInputGuard.DocumentTooLargeMethod;

    public override Task HandleAsync(DocumentTooLargeParams p, ServerContext ctx, CancellationToken ct)
    {
        var engine = ctx.Engine;
        if (p.Method == Protocol.Methods.DidOpen) engine.Open(p.Uri, "", 0);
        else if (!engine.IsOpen(p.Uri)) return Task.CompletedTask;
        string? before = engine.UnusableReason(p.Uri);
        string reason = $"the document is too large for completions (a {p.Bytes / (1 << 20):N0} MiB message; documents over {engine.Options.MaxDocumentChars / 1024:N0} Ki characters get none)";
        if (before == null || p.Method == Protocol.Methods.DidOpen)
        {
            engine.MarkUnusable(p.Uri, reason);
            ctx.ShowMessage(Protocol.MessageType.Warning, $"CompletionLsp: no completions for {p.Uri}: {reason}");
        }
        return Task.CompletedTask;
    }
}
