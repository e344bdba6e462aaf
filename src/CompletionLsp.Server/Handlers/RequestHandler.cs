namespace CompletionLsp.Server.Handlers;

/// <summary>A request handler: converts from LSP, calls the engine, converts back.</summary>
public abstract class RequestHandler<TParams, TResult> : ILspHandler
{
    public abstract string Method { get; }
    public virtual HandlerKind Kind => HandlerKind.Query;

    /// <summary>Called in message order before the request is queued; returns the work to queue.</summary>
    public virtual Func<Task<TResult>> Prepare(TParams request, ServerContext context, CancellationToken ct) =>
        () => HandleAsync(request, context, ct);

    public abstract Task<TResult> HandleAsync(TParams request, ServerContext context, CancellationToken ct);

    /// <summary>When not null, a query superseded by a newer request of this method for the same document (sent before
    /// it got to run) answers this at once instead of running: its answer would be stale before it is read.</summary>
    public virtual TResult? SupersededResult => default;
}
