using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>exit: ends the server; the exit code is 0 after 'shutdown' and 1 otherwise.</summary>
public sealed class ExitHandler : NotificationHandler<NoParams>
{
    public override string Method => Methods.Exit;
    public override HandlerKind Kind => HandlerKind.Independent;

    public override Task HandleAsync(NoParams _, ServerContext ctx, CancellationToken ct)
    {
        ctx.Log.Info(ctx.ShutdownReceived ? "exit" : "exit without shutdown (exit code 1)");
        ctx.ExitRequested.TrySetResult();
        return Task.CompletedTask;
    }
}
