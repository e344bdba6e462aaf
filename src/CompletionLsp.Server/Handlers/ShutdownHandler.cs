using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>shutdown: stops training, refuses further requests, and waits for 'exit'.</summary>
public sealed class ShutdownHandler : RequestHandler<NoParams, object?>
{
    public override string Method => Methods.Shutdown;
    public override HandlerKind Kind => HandlerKind.Independent;

    public override async Task<object?> HandleAsync(NoParams _, ServerContext ctx, CancellationToken ct)
    {
        ctx.State = LifecycleState.ShutDown;
        ctx.ShutdownReceived = true;
        ctx.Models.CancelTraining();
        await ctx.Queue.Drain().ConfigureAwait(false); // let queued edits and completions finish first
        ctx.Log.Info("shutdown");
        return null;
    }
}
