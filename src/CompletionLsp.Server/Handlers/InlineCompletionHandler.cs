using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>
/// textDocument/inlineCompletion (LSP 3.18): the rest of the line as ghost text. Each item's range runs from where the
/// typed word starts to the caret, on the caret's line. When the editor's completion widget has an item selected
/// (context.selectedCompletionInfo), suggestions start with that item's text and their range starts where its range
/// starts, as VS Code requires to show both. An automatic trigger gets at most one suggestion, an explicit one several.
/// A newer request for the same document cancels an older one still running (it then answers an empty list).
/// </summary>
public sealed class InlineCompletionHandler : RequestHandler<InlineCompletionParams, InlineCompletionList>
{
    public const int AutomaticCount = 1, InvokedCount = 3;
    public override string Method => Methods.InlineCompletion;

    private static readonly InlineCompletionList Empty = new() { Items = [] };

    public override Func<Task<InlineCompletionList>> Prepare(InlineCompletionParams p, ServerContext ctx, CancellationToken ct)
    {
        // In message order: supersede the previous request for this document now, not when this one gets to run.
        var cts = ctx.BeginInline(p.TextDocument.Uri, ct);
        return () =>
        {
            try { return Task.FromResult(Complete(p, ctx, cts.Token)); }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested) { return Task.FromResult(Empty); }
            finally { ctx.EndInline(p.TextDocument.Uri, cts); }
        };
    }

    public override Task<InlineCompletionList> HandleAsync(InlineCompletionParams p, ServerContext ctx, CancellationToken ct) =>
        Task.FromResult(Complete(p, ctx, ct));

    private static InlineCompletionList Complete(InlineCompletionParams p, ServerContext ctx, CancellationToken ct)
    {
        var settings = ctx.Settings;
        string uri = p.TextDocument.Uri;
        var engine = ctx.Engine;
        if (!settings.Enable || !settings.InlineEnable) return Empty;
        if (!engine.IsOpen(uri))
        {
            ctx.Log.Warn($"inline completion in a document that is not open: {uri}");
            return Empty;
        }
        ct.ThrowIfCancellationRequested();
        ctx.Models.CheckForChanges();
        int caret = engine.ToOffset(uri, p.Position);
        var selected = p.Context.SelectedCompletionInfo;
        int? selectedStart = selected == null ? null : engine.ToOffset(uri, selected.Range.Start);
        int count = p.Context.TriggerKind == InlineCompletionTriggerKind.Invoked ? InvokedCount : AutomaticCount;
        var lines = engine.CompleteLine(uri, caret, count, string.IsNullOrEmpty(selected?.Text) ? null : selected.Text, ct);
        if (lines.Count == 0) return Empty;

        string text = engine.GetText(uri);
        var items = new List<InlineCompletionItem>();
        foreach (var s in lines)
        {
            int start = s.ReplaceStart;
            string insert = s.Text;
            if (selectedStart is int ss && ss != start && ss <= caret)
            {
                if (ss < start) insert = text[ss..start] + insert;
                else if (insert.StartsWith(text[start..ss], StringComparison.Ordinal)) insert = insert[(ss - start)..];
                else continue;
                start = ss;
            }
            if (selected != null && !insert.StartsWith(selected.Text, StringComparison.Ordinal)) continue;
            if (insert.Contains('\n')) insert = insert[..insert.IndexOf('\n')].TrimEnd('\r');
            if (insert.Length <= caret - start) continue;
            var (from, to) = engine.Read(uri, d => (d.ToPosition(start), d.ToPosition(s.CaretOffset)));
            if (from.Line != to.Line) continue;
            items.Add(new InlineCompletionItem { InsertText = insert, Range = new Protocol.Range(from, to), FilterText = insert });
        }
        return new InlineCompletionList { Items = items.ToArray() };
    }
}
