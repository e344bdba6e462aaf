namespace CompletionLsp.Core.Syntax;

/// <summary>
/// Just enough of C#'s lexical grammar to know, at each line start, whether the line is code or sits inside a
/// literal or comment that spans lines (a verbatim or raw string, an interpolation hole in one, a block comment).
/// Only code lines can be preprocessor directives: a line "#..." inside a multi-line string is string text.
/// Fed line by line from a point outside any literal (a token or line start in code).
/// </summary>
internal sealed class LiteralScanner
{
    private enum Kind { Code, Hole, BlockComment, LineComment, String, Verbatim, Raw, Char }

    private struct Frame
    {
        public Kind Kind;
        public bool Interpolated;
        public int Quotes;   // raw strings: the closing run of quotes
        public int Dollars;  // interpolated raw strings: braces that open (and close) a hole
        public int Depth;    // holes: nested braces inside the hole
        public int Brackets; // holes: open brackets ( [ { inside the hole (each a level of Roslyn's recursion)
        public int Start;    // offset of the first character (the '$' or '@' of a string)
        public readonly bool IsInterpolatedString => Kind is Kind.String or Kind.Verbatim ? Interpolated : Kind == Kind.Raw && Dollars > 0;
    }

    // Per state (by Kind), the characters that can change it.
    private static readonly System.Buffers.SearchValues<char>[] Interesting =
    [
        System.Buffers.SearchValues.Create("/'\"$@{}"), // Code
        System.Buffers.SearchValues.Create("/'\"$@{}()[]"), // Hole
        System.Buffers.SearchValues.Create("*"),         // BlockComment
        System.Buffers.SearchValues.Create("\n"),        // LineComment
        System.Buffers.SearchValues.Create("\\\"\n{"),   // String
        System.Buffers.SearchValues.Create("\"{"),        // Verbatim
        System.Buffers.SearchValues.Create("\"{"),        // Raw
        System.Buffers.SearchValues.Create("\\'\n"),     // Char
    ];

    // The innermost frame last; the outermost is always plain code.
    private readonly List<Frame> _frames = [new Frame { Kind = Kind.Code }];

    /// <summary>True when the scanner is in plain code (not in a literal, a comment or an interpolation hole).</summary>
    public bool InCode => _frames.Count == 1;

    /// <summary>With <see cref="DeepRegions"/> set: interpolated strings nested deeper than this (a string in a hole of
    /// a string in a hole..., each bracket open in a hole counting as a level too) are reported, each as the outermost
    /// interpolated string around it.</summary>
    public int DeepLimit { get; init; } = int.MaxValue;

    /// <summary>Where reported too-deep interpolated strings go: [Start, End) of the outermost string, End -1 while it
    /// is still open (see <see cref="DeepOpen"/>).</summary>
    public List<(int Start, int End)>? DeepRegions { get; init; }

    /// <summary>True while a reported too-deep interpolated string has not ended yet.</summary>
    public bool DeepOpen => _deepFrame >= 0;

    private int _interpolated;    // interpolated-string frames on the stack
    private int _brackets;        // open brackets inside the holes on the stack
    private int _deepFrame = -1;  // index in _frames of the outermost string of an open too-deep region

    /// <summary>Scans <paramref name="s"/>[from..to).</summary>
    public void Feed(ReadOnlySpan<char> s, int from, int to)
    {
        int i = from;
        while (i < to)
        {
            ref var top = ref Top();
            // Skip (vectorized) to the next character that matters in this state.
            int skip = s[i..to].IndexOfAny(Interesting[(int)top.Kind]);
            if (skip < 0) return;
            i += skip;
            char c = s[i];
            switch (top.Kind)
            {
                case Kind.Code:
                case Kind.Hole:
                    i = Code(s, i, to, ref top);
                    continue;
                case Kind.LineComment:
                    if (c == '\n') Pop(i);
                    break;
                case Kind.BlockComment:
                    if (c == '*' && i + 1 < to && s[i + 1] == '/') { Pop(i + 2); i += 2; continue; }
                    break;
                case Kind.Char:
                    if (c == '\\') { i += 2; continue; }
                    if (c == '\'' || c == '\n') Pop(c == '\n' ? i : i + 1);
                    break;
                case Kind.String:
                    if (c == '\\') { i += 2; continue; }
                    if (c == '"' || c == '\n') { Pop(c == '\n' ? i : i + 1); break; }
                    if (top.Interpolated && c == '{') { i = OpenHole(s, i, to); continue; }
                    break;
                case Kind.Verbatim:
                    if (c == '"')
                    {
                        if (i + 1 < to && s[i + 1] == '"') { i += 2; continue; }
                        Pop(i + 1);
                        break;
                    }
                    if (top.Interpolated && c == '{') { i = OpenHole(s, i, to); continue; }
                    break;
                case Kind.Raw:
                {
                    if (c == '"')
                    {
                        int n = Run(s, i, to, '"');
                        if (n >= top.Quotes) Pop(i + n);
                        i += n;
                        continue;
                    }
                    if (top.Dollars > 0 && c == '{')
                    {
                        int n = Run(s, i, to, '{');
                        if (n >= top.Dollars) Push(new Frame { Kind = Kind.Hole, Dollars = top.Dollars, Start = i });
                        i += n;
                        continue;
                    }
                    break;
                }
            }
            i++;
        }
    }

    private ref Frame Top() => ref System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_frames)[^1];

    /// <summary>In code: consumes one lexical element starting at <paramref name="i"/>; returns the next index.</summary>
    private int Code(ReadOnlySpan<char> s, int i, int to, ref Frame top)
    {
        char c = s[i];
        char next = i + 1 < to ? s[i + 1] : '\0';
        switch (c)
        {
            case '/' when next == '/': Push(new Frame { Kind = Kind.LineComment, Start = i }); return i + 2;
            case '/' when next == '*': Push(new Frame { Kind = Kind.BlockComment, Start = i }); return i + 2;
            case '\'': Push(new Frame { Kind = Kind.Char, Start = i }); return i + 1;
            case '(' or '[':
                if (top.Kind == Kind.Hole) OpenBracket(ref top);
                return i + 1;
            case ')' or ']':
                if (top.Kind == Kind.Hole) CloseBracket(ref top);
                return i + 1;
            case '{':
                top.Depth++;
                if (top.Kind == Kind.Hole) OpenBracket(ref top);
                return i + 1;
            case '}':
                if (top.Kind == Kind.Hole && top.Depth == 0)
                {
                    int close = Math.Max(1, top.Dollars);
                    int end = i + Math.Min(close, Run(s, i, to, '}'));
                    Pop(end);
                    return end;
                }
                top.Depth = Math.Max(0, top.Depth - 1);
                if (top.Kind == Kind.Hole) CloseBracket(ref top);
                return i + 1;
            case '$' or '@' or '"':
            {
                int j = i, dollars = 0;
                bool verbatim = false;
                while (j < to && (s[j] == '$' || s[j] == '@'))
                {
                    if (s[j] == '$') dollars++; else verbatim = true;
                    j++;
                }
                if (j >= to || s[j] != '"') return Math.Max(j, i + 1); // '$' or '@' alone: an identifier prefix
                int quotes = Run(s, j, to, '"');
                if (verbatim) { Push(new Frame { Kind = Kind.Verbatim, Interpolated = dollars > 0, Start = i }); return j + 1; }
                if (quotes >= 3) { Push(new Frame { Kind = Kind.Raw, Quotes = quotes, Dollars = dollars, Start = i }); return j + quotes; }
                if (quotes == 2) return j + 2; // ""
                Push(new Frame { Kind = Kind.String, Interpolated = dollars > 0, Start = i });
                return j + 1;
            }
            default: return i + 1;
        }
    }

    /// <summary>At a '{' in a regular or verbatim interpolated string: a hole, or "{{" (a literal brace).</summary>
    private int OpenHole(ReadOnlySpan<char> s, int i, int to)
    {
        if (i + 1 < to && s[i + 1] == '{') return i + 2; // {{ is a literal brace
        Push(new Frame { Kind = Kind.Hole, Dollars = 1, Start = i });
        return i + 1;
    }

    private static int Run(ReadOnlySpan<char> s, int i, int to, char ch)
    {
        int n = 0;
        while (i + n < to && s[i + n] == ch) n++;
        return n;
    }

    private void OpenBracket(ref Frame hole) { hole.Brackets++; _brackets++; CheckDeep(); }

    private void CloseBracket(ref Frame hole) { if (hole.Brackets > 0) { hole.Brackets--; _brackets--; } }

    private void Push(Frame f)
    {
        _frames.Add(f);
        if (!f.IsInterpolatedString) return;
        _interpolated++;
        CheckDeep();
    }

    /// <summary>Opens a too-deep region when interpolated strings and the brackets in their holes nest past the limit.</summary>
    private void CheckDeep()
    {
        if (_interpolated + _brackets <= DeepLimit || _deepFrame >= 0 || DeepRegions == null) return;
        // Too deep: the region is the outermost interpolated string on the stack.
        int k = 1;
        while (!_frames[k].IsInterpolatedString) k++;
        _deepFrame = k;
        DeepRegions.Add((_frames[k].Start, -1));
    }

    /// <summary>Pops the innermost frame, which ends just before <paramref name="end"/>.</summary>
    private void Pop(int end)
    {
        if (_frames.Count <= 1) return;
        int top = _frames.Count - 1;
        if (_frames[top].IsInterpolatedString) _interpolated--;
        _brackets -= _frames[top].Brackets;
        if (top == _deepFrame)
        {
            _deepFrame = -1;
            DeepRegions![^1] = (DeepRegions[^1].Start, end);
        }
        _frames.RemoveAt(top);
    }

    /// <summary>Ends an open too-deep region at <paramref name="end"/> (the end of the text: it never closed).</summary>
    public void EndDeepRegion(int end)
    {
        if (_deepFrame < 0) return;
        DeepRegions![^1] = (DeepRegions[^1].Start, end);
        _deepFrame = -1;
    }
}
