namespace CompletionLsp.Server.Handlers;

/// <summary>A notification handler. Failures are logged; a notification has no answer.</summary>
public abstract class NotificationHandler<TParams> : ILspHandler
{
    public abstract string Method { get; }
    public virtual HandlerKind Kind => HandlerKind.Mutating;
    public abstract Task HandleAsync(TParams notification, ServerContext context, CancellationToken ct);
}
