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
        int length = ctx.Engine.GetText(p.TextDocument.Uri).Length;
        ctx.Engine.Close(p.TextDocument.Uri);
        if (length > LargeDocumentChars) ReturnMemory();
        return Task.CompletedTask;
    }

    /// <summary>After a document this large has gone, the memory it took is given back to the system at once.</summary>
    public const int LargeDocumentChars = 1 << 20;

    /// <summary>A compacting, decommitting collection (tens of milliseconds; only after a large document has gone):
    /// without it the process keeps the peak of a large document's text, tokens and caches for a long time.</summary>
    public static void ReturnMemory()
    {
        Core.Syntax.RoslynStringTable.ClearAll(); // Roslyn's caches hold names from the document
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
