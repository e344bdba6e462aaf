using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;

namespace CompletionLsp.Semantic.Projects;

/// <summary>
/// What a project file says, read as XML text: never evaluated by MSBuild, nothing run. Properties are read in the
/// order MSBuild would see them (the nearest Directory.Build.props, Directory.Packages.props, then the project), with
/// <c>$(Name)</c> expanded from what was read so far and simple conditions (<c>'$(A)' == 'b'</c>, <c>!=</c>,
/// <c>and</c>, <c>or</c>) honoured; any other condition (functions, <c>Exists</c>) counts as false.
/// </summary>
public sealed class ProjectFile
{
    public required string Path { get; init; }
    public required string Directory { get; init; }
    public required string Name { get; init; }
    public string Sdk { get; init; } = "Microsoft.NET.Sdk";
    public required string TargetFramework { get; init; }
    public string? LangVersion { get; init; }
    public string? Nullable { get; init; }
    public bool ImplicitUsings { get; init; }
    public bool AllowUnsafe { get; init; }
    public IReadOnlyList<string> DefineConstants { get; init; } = [];
    public IReadOnlyList<string> ProjectReferences { get; init; } = [];
    public IReadOnlyList<string> FrameworkReferences { get; init; } = [];
    public IReadOnlyList<(string Namespace, bool Static, string? Alias)> Usings { get; init; } = [];
    public IReadOnlyList<string> RemovedUsings { get; init; } = [];
    public IReadOnlyList<string> PackageReferences { get; init; } = [];

    /// <summary>Largest project or props file read (a hostile repository may hold a huge one).</summary>
    public const long MaxBytes = 4 * 1024 * 1024;

    public static ProjectFile Read(string csprojPath, string? workspaceRoot = null)
    {
        csprojPath = System.IO.Path.GetFullPath(csprojPath);
        string dir = System.IO.Path.GetDirectoryName(csprojPath)!;
        var props = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["MSBuildProjectDirectory"] = dir,
            ["MSBuildProjectName"] = System.IO.Path.GetFileNameWithoutExtension(csprojPath),
            ["Configuration"] = "Debug",
            ["Platform"] = "AnyCPU",
        };
        var sources = new List<XDocument>();
        foreach (var name in new[] { "Directory.Build.props", "Directory.Packages.props" })
        {
            var found = FindUpwards(dir, name, workspaceRoot);
            if (found != null && Load(found) is { } d) sources.Add(d);
        }
        var project = Load(csprojPath) ?? new XDocument(new XElement("Project"));
        sources.Add(project);
        string sdk = project.Root?.Attribute("Sdk")?.Value.Split('/')[0].Trim() ?? "Microsoft.NET.Sdk";

        // Pass 1: which frameworks; pass 2: everything, with the chosen framework as a global property (as an inner build).
        var pass1 = new Dictionary<string, string>(props, StringComparer.OrdinalIgnoreCase);
        foreach (var d in sources) ReadProperties(d, pass1, null);
        string tfms = Get(pass1, "TargetFrameworks") ?? Get(pass1, "TargetFramework") ?? "net10.0";
        string tf = ChooseFramework(tfms.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        var global = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["TargetFramework"] = tf };
        var p = new Dictionary<string, string>(props, StringComparer.OrdinalIgnoreCase) { ["TargetFramework"] = tf };
        var items = new List<(string Type, XElement Element)>();
        foreach (var d in sources) ReadProperties(d, p, global, items, d == project ? dir : null);

        var defines = new List<string>();
        foreach (var c in (Get(p, "DefineConstants") ?? "").Split(';', ',')) if (c.Trim() is { Length: > 0 } t && IsIdentifier(t)) defines.Add(t);
        defines.AddRange(ImplicitDefines(tf));
        if (string.Equals(Get(p, "Configuration"), "Debug", StringComparison.OrdinalIgnoreCase)) defines.Add("DEBUG");
        defines.Add("TRACE");

        var projectRefs = new List<string>();
        var frameworkRefs = new List<string>();
        var usings = new List<(string, bool, string?)>();
        var removed = new List<string>();
        var packages = new List<string>();
        foreach (var (type, e) in items)
        {
            string? include = Expand(e.Attribute("Include")?.Value, p), remove = Expand(e.Attribute("Remove")?.Value, p);
            switch (type)
            {
                case "ProjectReference" when include != null:
                    foreach (var r in include.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                        projectRefs.Add(System.IO.Path.GetFullPath(System.IO.Path.Combine(dir, r.Replace('\\', '/'))));
                    break;
                case "FrameworkReference" when include != null: frameworkRefs.Add(include.Trim()); break;
                case "PackageReference" when include != null: packages.Add(include.Trim()); break;
                case "Using" when include != null:
                    bool isStatic = string.Equals(Attr(e, "Static", p), "true", StringComparison.OrdinalIgnoreCase);
                    usings.Add((include.Trim(), isStatic, Attr(e, "Alias", p)));
                    break;
                case "Using" when remove != null: removed.Add(remove.Trim()); break;
            }
        }
        if (sdk.Equals("Microsoft.NET.Sdk.Web", StringComparison.OrdinalIgnoreCase) || sdk.Equals("Microsoft.NET.Sdk.Razor", StringComparison.OrdinalIgnoreCase)
            || sdk.Equals("Microsoft.NET.Sdk.BlazorWebAssembly", StringComparison.OrdinalIgnoreCase))
            frameworkRefs.Add("Microsoft.AspNetCore.App");

        string? implicitUsings = Get(p, "ImplicitUsings");
        return new ProjectFile
        {
            Path = csprojPath, Directory = dir, Name = Get(p, "AssemblyName") ?? System.IO.Path.GetFileNameWithoutExtension(csprojPath),
            Sdk = sdk, TargetFramework = tf, LangVersion = Get(p, "LangVersion"), Nullable = Get(p, "Nullable"),
            ImplicitUsings = implicitUsings is not null && (implicitUsings.Equals("enable", StringComparison.OrdinalIgnoreCase) || implicitUsings.Equals("true", StringComparison.OrdinalIgnoreCase)),
            AllowUnsafe = string.Equals(Get(p, "AllowUnsafeBlocks"), "true", StringComparison.OrdinalIgnoreCase),
            DefineConstants = defines.Distinct(StringComparer.Ordinal).ToList(),
            ProjectReferences = projectRefs, FrameworkReferences = frameworkRefs.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
            Usings = usings, RemovedUsings = removed, PackageReferences = packages,
        };
    }

    private static string? Attr(XElement e, string name, Dictionary<string, string> p) =>
        Expand(e.Attribute(name)?.Value ?? e.Elements().FirstOrDefault(c => c.Name.LocalName == name)?.Value, p);

    private static string? Get(Dictionary<string, string> p, string name) =>
        p.TryGetValue(name, out var v) && v.Trim().Length > 0 ? v.Trim() : null;

    private static XDocument? Load(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length > MaxBytes) return null;
            if ((info.Attributes & FileAttributes.ReparsePoint) != 0 && info.ResolveLinkTarget(true) is FileInfo t && (!t.Exists || t.Length > MaxBytes)) return null;
            // No DTDs, no external entities: the file is data.
            var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = MaxBytes };
            using var reader = XmlReader.Create(path, settings);
            return XDocument.Load(reader);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or XmlException or InvalidOperationException) { return null; }
    }

    private static string? FindUpwards(string dir, string name, string? stopAt)
    {
        for (var d = new DirectoryInfo(dir); d != null; d = d.Parent)
        {
            var f = System.IO.Path.Combine(d.FullName, name);
            if (File.Exists(f)) return f;
            if (stopAt != null && string.Equals(System.IO.Path.TrimEndingDirectorySeparator(d.FullName), System.IO.Path.TrimEndingDirectorySeparator(stopAt), StringComparison.Ordinal)) break;
        }
        return null;
    }

    private static void ReadProperties(XDocument doc, Dictionary<string, string> p, Dictionary<string, string>? global,
        List<(string, XElement)>? items = null, string? itemsDir = null)
    {
        if (doc.Root == null) return;
        foreach (var group in doc.Root.Elements())
        {
            if (!Holds(group, p)) continue;
            if (group.Name.LocalName == "PropertyGroup")
            {
                foreach (var prop in group.Elements())
                {
                    if (!Holds(prop, p)) continue;
                    string name = prop.Name.LocalName;
                    if (global != null && global.ContainsKey(name)) continue; // global properties win
                    p[name] = Expand(prop.Value, p) ?? "";
                }
            }
            else if (group.Name.LocalName == "ItemGroup" && items != null)
            {
                foreach (var item in group.Elements()) if (Holds(item, p)) items.Add((item.Name.LocalName, item));
            }
        }
    }

    private static bool Holds(XElement e, Dictionary<string, string> p)
    {
        var c = e.Attribute("Condition")?.Value;
        return c == null || Condition(c, p);
    }

    private static readonly Regex PropertyRef = new(@"\$\(([A-Za-z_][A-Za-z0-9_\-]*)\)", RegexOptions.Compiled, TimeSpan.FromSeconds(1));

    internal static string? Expand(string? s, Dictionary<string, string> p) =>
        s == null ? null : PropertyRef.Replace(s, m => p.TryGetValue(m.Groups[1].Value, out var v) ? v : "");

    private static readonly Regex Comparison = new(@"^\s*'([^']*)'\s*(==|!=)\s*'([^']*)'\s*$", RegexOptions.Compiled, TimeSpan.FromSeconds(1));

    /// <summary>Evaluates the simple conditions; anything else is false.</summary>
    internal static bool Condition(string condition, Dictionary<string, string> p)
    {
        if (condition.Length > 4096) return false;
        string c = condition.Trim();
        while (c.StartsWith('(') && c.EndsWith(')') && Balanced(c[1..^1])) c = c[1..^1].Trim();
        var ors = SplitTop(c, " or ");
        if (ors.Count > 1) return ors.Any(o => Condition(o, p));
        var ands = SplitTop(c, " and ");
        if (ands.Count > 1) return ands.All(a => Condition(a, p));
        var m = Comparison.Match(c);
        if (!m.Success) return false;
        string left = Expand(m.Groups[1].Value, p)!.Trim(), right = Expand(m.Groups[3].Value, p)!.Trim();
        bool eq = string.Equals(left, right, StringComparison.OrdinalIgnoreCase);
        return m.Groups[2].Value == "==" ? eq : !eq;
    }

    private static bool Balanced(string s)
    {
        int depth = 0;
        foreach (char ch in s) { if (ch == '(') depth++; else if (ch == ')' && --depth < 0) return false; }
        return depth == 0;
    }

    private static List<string> SplitTop(string s, string sep)
    {
        var parts = new List<string>();
        int depth = 0, start = 0;
        bool quoted = false;
        for (int i = 0; i < s.Length; i++)
        {
            char ch = s[i];
            if (ch == '\'') quoted = !quoted;
            else if (!quoted && ch == '(') depth++;
            else if (!quoted && ch == ')') depth--;
            else if (!quoted && depth == 0 && string.Compare(s, i, sep, 0, sep.Length, StringComparison.OrdinalIgnoreCase) == 0)
            {
                parts.Add(s[start..i]);
                start = i + sep.Length;
                i += sep.Length - 1;
            }
        }
        parts.Add(s[start..]);
        return parts;
    }

    private static bool IsIdentifier(string s) => s.All(ch => char.IsLetterOrDigit(ch) || ch == '_') && !char.IsDigit(s[0]);

    /// <summary>The newest .NET (5+ / Core) framework, else the newest .NET Standard, else the newest .NET Framework.</summary>
    internal static string ChooseFramework(IReadOnlyList<string> tfms)
    {
        if (tfms.Count == 0) return "net10.0";
        return tfms.OrderByDescending(t => Family(t)).ThenByDescending(t => Version(t)).First();
    }

    private static int Family(string tfm)
    {
        var t = tfm.ToLowerInvariant().Split('-')[0];
        if (t.StartsWith("netcoreapp") || (t.StartsWith("net") && t.Contains('.') && char.IsDigit(t[3]))) return 3;
        if (t.StartsWith("netstandard")) return 2;
        return 1;
    }

    private static Version Version(string tfm)
    {
        var t = tfm.ToLowerInvariant().Split('-')[0];
        string digits = new(t.SkipWhile(ch => !char.IsDigit(ch)).ToArray());
        if (!digits.Contains('.') && digits.Length > 0) digits = string.Join('.', digits.Select(d => d.ToString()));
        return System.Version.TryParse(digits.Length == 1 ? digits + ".0" : digits, out var v) ? v : new Version(0, 0);
    }

    public static IReadOnlyList<string> ImplicitDefinesFor(string tfm) => ImplicitDefines(tfm).Append("DEBUG").Append("TRACE").ToList();

    /// <summary>The symbols the SDK defines for a target framework (NET8_0, NET8_0_OR_GREATER, NETCOREAPP, ...).</summary>
    internal static IEnumerable<string> ImplicitDefines(string tfm)
    {
        var t = tfm.ToLowerInvariant().Split('-')[0];
        var v = Version(t);
        int family = Family(t);
        if (family == 3)
        {
            yield return "NETCOREAPP";
            if (v.Major >= 5) yield return "NET";
            yield return $"{(v.Major >= 5 ? "NET" : "NETCOREAPP")}{v.Major}_{Math.Max(0, v.Minor)}";
            foreach (var (maj, min) in new[] { (1, 0), (1, 1), (2, 0), (2, 1), (2, 2), (3, 0), (3, 1) })
                if (new Version(maj, min) <= v) yield return $"NETCOREAPP{maj}_{min}_OR_GREATER";
            for (int m = 5; m <= v.Major; m++) yield return $"NET{m}_0_OR_GREATER";
        }
        else if (family == 2)
        {
            yield return "NETSTANDARD";
            yield return $"NETSTANDARD{v.Major}_{Math.Max(0, v.Minor)}";
            foreach (var (maj, min) in new[] { (1, 0), (1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (2, 0), (2, 1) })
                if (new Version(maj, min) <= v) yield return $"NETSTANDARD{maj}_{min}_OR_GREATER";
        }
        else
        {
            yield return "NETFRAMEWORK";
            string digits = new(t.SkipWhile(ch => !char.IsDigit(ch)).ToArray());
            if (digits.Length > 0) yield return "NET" + digits.Replace(".", "");
        }
    }

    /// <summary>The global usings the SDK adds when ImplicitUsings is on, by SDK.</summary>
    public IEnumerable<string> ImplicitUsingNamespaces()
    {
        if (!ImplicitUsings) yield break;
        foreach (var ns in new[] { "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks" })
            yield return ns;
        string sdk = Sdk.ToLowerInvariant();
        if (sdk is "microsoft.net.sdk.web")
            foreach (var ns in new[] { "System.Net.Http.Json", "Microsoft.AspNetCore.Builder", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Http",
                "Microsoft.AspNetCore.Routing", "Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection",
                "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging" }) yield return ns;
        if (sdk is "microsoft.net.sdk.worker")
            foreach (var ns in new[] { "Microsoft.Extensions.Configuration", "Microsoft.Extensions.DependencyInjection", "Microsoft.Extensions.Hosting", "Microsoft.Extensions.Logging" })
                yield return ns;
    }
}
