using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>Test-only: the server's text of a document, after every edit queued before this request.</summary>
public sealed class TestDocumentTextHandler : RequestHandler<TestDocumentTextParams, TestDocumentTextResult>
{
    public override string Method => CompletionLspMethods.TestDocumentText;

    public override Task<TestDocumentTextResult> HandleAsync(TestDocumentTextParams p, ServerContext ctx, CancellationToken ct)
    {
        if (!ctx.Engine.IsOpen(p.Uri)) throw LspException.InvalidParams($"unknown document {p.Uri}");
        return Task.FromResult(new TestDocumentTextResult { Text = ctx.Engine.GetText(p.Uri), Version = ctx.Engine.GetVersion(p.Uri) });
    }
}

/// <summary>Test-only: waits until cancelled or the time is up (to test $/cancelRequest).</summary>
public sealed class TestWaitHandler : RequestHandler<TestWaitParams, bool>
{
    public override string Method => CompletionLspMethods.TestWait;
    public override HandlerKind Kind => HandlerKind.Independent;

    public override async Task<bool> HandleAsync(TestWaitParams p, ServerContext ctx, CancellationToken ct)
    {
        await Task.Delay(p.Milliseconds, ct).ConfigureAwait(false);
        return true;
    }
}

/// <summary>Test-only: the managed heap after a full collection, and the vocabulary's size (leak tests).</summary>
public sealed class TestMemoryHandler : RequestHandler<NoParams, TestMemoryResult>
{
    public override string Method => CompletionLspMethods.TestMemory;
    public override HandlerKind Kind => HandlerKind.Mutating;

    public override Task<TestMemoryResult> HandleAsync(NoParams p, ServerContext ctx, CancellationToken ct)
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var v = ctx.Engine.Model.Vocabulary;
        return Task.FromResult(new TestMemoryResult
        {
            ManagedBytes = GC.GetTotalMemory(false), Vocabulary = v.StaticCount + v.DynamicCount, StaticVocabulary = v.StaticCount, OpenDocuments = ctx.Engine.OpenDocuments.Count,
        });
    }
}
