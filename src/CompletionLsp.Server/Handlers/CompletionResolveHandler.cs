using CompletionLsp.Server.Protocol;
using LspCompletionItem = CompletionLsp.Server.Protocol.CompletionItem;

namespace CompletionLsp.Server.Handlers;

/// <summary>completionItem/resolve: items are complete when sent, so the item comes back as it is (with or without data).</summary>
public sealed class CompletionResolveHandler : RequestHandler<LspCompletionItem, LspCompletionItem>
{
    public override string Method => Methods.CompletionResolve;
    public override HandlerKind Kind => HandlerKind.Independent;

    public override Task<LspCompletionItem> HandleAsync(LspCompletionItem item, ServerContext ctx, CancellationToken ct) => Task.FromResult(item);
}
