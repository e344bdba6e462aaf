using CompletionLsp.Core.Engine;
using CompletionLsp.Server.Protocol;

namespace CompletionLsp.Server.Handlers;

/// <summary>LSP positions (line, UTF-16 character) to document offsets and back. Out-of-range positions clamp.</summary>
internal static class Positions
{
    public static int ToOffset(this CompletionEngine engine, string uri, Position p) =>
        engine.Read(uri, d => d.Lines.OffsetOf(Math.Max(0, p.Line), Math.Max(0, p.Character)));

    public static (int Start, int End) ToOffsets(this CompletionEngine engine, string uri, Protocol.Range r) =>
        engine.Read(uri, d =>
        {
            int s = d.Lines.OffsetOf(Math.Max(0, r.Start.Line), Math.Max(0, r.Start.Character));
            int e = d.Lines.OffsetOf(Math.Max(0, r.End.Line), Math.Max(0, r.End.Character));
            return e < s ? (e, s) : (s, e);
        });

    public static Position ToPosition(this DocumentState d, int offset)
    {
        var (line, ch) = d.Lines.PositionOf(offset);
        return new Position(line, ch);
    }
}
