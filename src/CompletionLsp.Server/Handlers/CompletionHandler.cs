using System.Globalization;
using CompletionLsp.Core.Engine;
using CompletionLsp.Server.Protocol;
using LspCompletionItem = CompletionLsp.Server.Protocol.CompletionItem;
using LspCompletionList = CompletionLsp.Server.Protocol.CompletionList;

namespace CompletionLsp.Server.Handlers;

/// <summary>
/// textDocument/completion: the engine's ranked next tokens at the caret. Each item replaces the typed prefix
/// [ReplaceStart, caret) through a textEdit; sortText keeps the model's order; the probability shows as the label's
/// description and the detail. Items the semantic model vouched for carry their real kind, signature, the using
/// directive an unimported type needs (additionalTextEdits), and data for their documentation on resolve. The list
/// is incomplete: it depends on the context, so the client asks again as the user types.
/// </summary>
public sealed class CompletionHandler : RequestHandler<CompletionParams, LspCompletionList>
{
    public override string Method => Methods.Completion;

    private static readonly LspCompletionList Empty = new() { IsIncomplete = true, Items = [] };

    /// <summary>A request superseded by a newer one for the same document answers an empty, incomplete list.</summary>
    public override LspCompletionList? SupersededResult => Empty;

    public override Task<LspCompletionList> HandleAsync(CompletionParams p, ServerContext ctx, CancellationToken ct)
    {
        var settings = ctx.Settings;
        string uri = p.TextDocument.Uri;
        var engine = ctx.Engine;
        if (!settings.Enable) return Task.FromResult(Empty);
        if (!engine.IsOpen(uri))
        {
            ctx.Log.Warn($"completion in a document that is not open: {uri}");
            return Task.FromResult(Empty);
        }
        ctx.Models.CheckForChanges();
        int offset = engine.ToOffset(uri, p.Position);
        var list = engine.Complete(uri, offset, settings.MaxItems, ct);
        if (list.Items.Count == 0) return Task.FromResult(Empty);
        var (start, caret) = engine.Read(uri, d => (d.ToPosition(list.ReplaceStart), d.ToPosition(list.CaretOffset)));
        // Items that add a using directive: the edit's position in the document.
        var importAt = list.Items.Where(c => c.Import != null).Select(c => c.Import!.Offset).Distinct()
            .ToDictionary(o => o, o => engine.Read(uri, d => d.ToPosition(o)));
        var range = new Protocol.Range(start, caret);
        bool labelDetails = ctx.Client.TextDocument?.Completion?.CompletionItem?.LabelDetailsSupport == true;
        var items = new LspCompletionItem[list.Items.Count];
        for (int i = 0; i < items.Length; i++)
        {
            var c = list.Items[i];
            string pct = Percent(c.Probability);
            var sym = c.Symbol;
            string? signature = sym?.SignatureFactory?.Invoke();
            string? detail = sym?.Describe();
            items[i] = new LspCompletionItem
            {
                Label = c.Text,
                LabelDetails = labelDetails
                    ? new CompletionItemLabelDetails { Detail = signature, Description = c.Import != null ? $"{pct} · using {sym!.Import}" : pct }
                    : null,
                Kind = sym != null ? KindOf(sym.Kind) : KindOf(c.Role),
                Detail = detail != null ? $"{detail}  ({pct})" : $"{pct} {c.Role.ToString().ToLowerInvariant()}",
                AdditionalTextEdits = c.Import is { } imp
                    ? [new TextEdit { Range = new Protocol.Range(importAt[imp.Offset], importAt[imp.Offset]), NewText = imp.Text }]
                    : null,
                Data = sym?.SymbolId != null ? System.Text.Json.JsonSerializer.SerializeToElement(new ResolveData(uri, sym.SymbolId)) : null,
                SortText = i.ToString("D4", CultureInfo.InvariantCulture),
                FilterText = c.Text,
                InsertTextFormat = InsertTextFormat.PlainText,
                TextEdit = new TextEdit { Range = range, NewText = c.Text },
            };
        }
        return Task.FromResult(new LspCompletionList { IsIncomplete = true, Items = items });
    }

    /// <summary>What completionItem/resolve needs to find an item's documentation.</summary>
    public sealed record ResolveData(string Uri, string SymbolId);

    public static int KindOf(CandidateKind kind) => kind switch
    {
        CandidateKind.Keyword => CompletionItemKind.Keyword,
        CandidateKind.Namespace => CompletionItemKind.Module,
        CandidateKind.Class or CandidateKind.Delegate => CompletionItemKind.Class,
        CandidateKind.Struct => CompletionItemKind.Struct,
        CandidateKind.Interface => CompletionItemKind.Interface,
        CandidateKind.Enum => CompletionItemKind.Enum,
        CandidateKind.TypeParameter => CompletionItemKind.TypeParameter,
        CandidateKind.Method => CompletionItemKind.Method,
        CandidateKind.Property => CompletionItemKind.Property,
        CandidateKind.Field => CompletionItemKind.Field,
        CandidateKind.Event => CompletionItemKind.Event,
        CandidateKind.EnumMember => CompletionItemKind.EnumMember,
        CandidateKind.Constant => CompletionItemKind.Constant,
        _ => CompletionItemKind.Variable,
    };

    public static int KindOf(CompletionRole role) => role switch
    {
        CompletionRole.Keyword => CompletionItemKind.Keyword,
        CompletionRole.Variable => CompletionItemKind.Variable,
        CompletionRole.Method => CompletionItemKind.Method,
        CompletionRole.Property => CompletionItemKind.Property,
        CompletionRole.Type => CompletionItemKind.Class,
        CompletionRole.Operator => CompletionItemKind.Operator,
        CompletionRole.Value => CompletionItemKind.Value,
        _ => CompletionItemKind.Text,
    };

    public static string Percent(double p) => p >= 0.0005
        ? (p * 100).ToString(p >= 0.995 ? "0" : "0.0", CultureInfo.InvariantCulture) + "%"
        : "<0.1%";
}
