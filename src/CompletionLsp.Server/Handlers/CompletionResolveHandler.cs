using System.Text.Json;
using CompletionLsp.Server.Protocol;
using LspCompletionItem = CompletionLsp.Server.Protocol.CompletionItem;

namespace CompletionLsp.Server.Handlers;

/// <summary>completionItem/resolve: an item the semantic model vouched for gets its documentation (markdown); any
/// other item comes back as it is.</summary>
public sealed class CompletionResolveHandler : RequestHandler<LspCompletionItem, LspCompletionItem>
{
    public override string Method => Methods.CompletionResolve;
    public override HandlerKind Kind => HandlerKind.Independent;

    public override Task<LspCompletionItem> HandleAsync(LspCompletionItem item, ServerContext ctx, CancellationToken ct)
    {
        if (item.Documentation != null || item.Data is not { ValueKind: JsonValueKind.Object } data || ctx.Engine.Semantic is not { } semantic)
            return Task.FromResult(item);
        CompletionHandler.ResolveData? d;
        try { d = data.Deserialize<CompletionHandler.ResolveData>(new JsonSerializerOptions { PropertyNameCaseInsensitive = true }); }
        catch (JsonException) { return Task.FromResult(item); }
        if (d?.Uri == null || d.SymbolId == null) return Task.FromResult(item);
        string? docs = null;
        try { docs = semantic.Documentation(d.Uri, d.SymbolId); }
        catch (Exception e) when (e is not OperationCanceledException) { ctx.Log.Warn($"documentation of {d.SymbolId}: {e.GetType().Name}: {e.Message}"); }
        return Task.FromResult(docs == null ? item : item with { Documentation = new MarkupContent { Value = docs } });
    }
}
