using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>initialized: from now on the server may send requests; sends the model status and any model problem.</summary>
public sealed class InitializedHandler : NotificationHandler<NoParams>
{
    public override string Method => Methods.Initialized;
    public override HandlerKind Kind => HandlerKind.Independent;

    public override Task HandleAsync(NoParams _, ServerContext ctx, CancellationToken ct)
    {
        ctx.OnInitialized();
        return Task.CompletedTask;
    }
}
