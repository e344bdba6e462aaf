using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>window/workDoneProgress/cancel: the user pressed cancel on a progress (training).</summary>
public sealed class WorkDoneProgressCancelHandler : NotificationHandler<WorkDoneProgressCancelParams>
{
    public override string Method => Methods.WorkDoneProgressCancel;
    public override HandlerKind Kind => HandlerKind.Independent;

    public override Task HandleAsync(WorkDoneProgressCancelParams p, ServerContext ctx, CancellationToken ct)
    {
        ctx.CancelProgress(p.Token);
        return Task.CompletedTask;
    }
}
