using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>$/setTrace: "off", "messages" or "verbose". With tracing on, each request's time goes out as $/logTrace.</summary>
public sealed class SetTraceHandler : NotificationHandler<SetTraceParams>
{
    public override string Method => Methods.SetTrace;
    public override HandlerKind Kind => HandlerKind.Independent;

    public override Task HandleAsync(SetTraceParams p, ServerContext ctx, CancellationToken ct)
    {
        if (p.Value is not ("off" or "messages" or "verbose")) throw LspException.InvalidParams($"unknown trace value '{p.Value}'");
        ctx.Trace = p.Value;
        return Task.CompletedTask;
    }
}
