using CompletionLsp.Core.Eval;
using Microsoft.CodeAnalysis.Completion;

namespace CompletionLsp.Semantic;

/// <summary>
/// Roslyn's own completion list (CompletionService, the providers of Microsoft.CodeAnalysis.CSharp.Features) at a
/// caret of an open document: the independent judge of legality in <c>eval --setting semantic</c>. Slow (tens of
/// milliseconds a call), so never used to serve requests.
/// </summary>
public sealed class RoslynReference(SemanticWorkspace workspace) : ILegalityReference
{
    public IReadOnlySet<string>? LegalAt(string uri, int position, CancellationToken ct = default)
    {
        workspace.Loaded.Wait(ct);
        var doc = workspace.CurrentDocument(uri);
        if (doc == null) return null;
        var service = CompletionService.GetService(doc);
        if (service == null) return null;
        var list = service.GetCompletionsAsync(doc, position, cancellationToken: ct).GetAwaiter().GetResult();
        // Suggestion mode: a new name may be declared here, so any identifier is legal.
        if (list.SuggestionModeItem != null) return null;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list.ItemsList)
        {
            names.Add(item.DisplayText);
            if (item.FilterText.Length > 0) names.Add(item.FilterText);
        }
        return names;
    }
}
