namespace CompletionLsp.Server.Handlers;

/// <summary>Parameters of a message that has none (or whose parameters are ignored).</summary>
public sealed record NoParams;
