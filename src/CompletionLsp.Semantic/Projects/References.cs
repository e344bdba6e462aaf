using System.Runtime.InteropServices;
using System.Text.Json;

namespace CompletionLsp.Semantic.Projects;

/// <summary>
/// Where a project's reference assemblies come from, without MSBuild: the installed SDK's targeting packs
/// (Microsoft.NETCore.App.Ref, Microsoft.AspNetCore.App.Ref when referenced) and the NuGet compile assets named in
/// <c>obj/project.assets.json</c>. When no targeting pack is installed (a machine with only the runtime, or none: the
/// VS Code extension ships a self-contained server), the running runtime's own assemblies stand in.
/// </summary>
public static class References
{
    /// <summary>Largest reference assembly accepted, and most assemblies from one assets file.</summary>
    public const long MaxAssemblyBytes = 64 * 1024 * 1024;
    public const int MaxPackageAssemblies = 2000;
    public const long MaxAssetsBytes = 64 * 1024 * 1024;

    /// <summary>The dotnet root (holding packs/ and shared/): DOTNET_ROOT, else the running runtime's.</summary>
    public static string? DotnetRoot()
    {
        var env = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(System.IO.Path.Combine(env, "packs"))) return env;
        // .../shared/Microsoft.NETCore.App/10.0.x/
        var rt = new DirectoryInfo(RuntimeEnvironment.GetRuntimeDirectory());
        var root = rt.Parent?.Parent?.Parent;
        if (root != null && Directory.Exists(System.IO.Path.Combine(root.FullName, "packs"))) return root.FullName;
        foreach (var guess in new[] { "/usr/share/dotnet", "/usr/lib/dotnet", "/usr/local/share/dotnet", Environment.ExpandEnvironmentVariables("%HOME%/.dotnet") })
            if (Directory.Exists(System.IO.Path.Combine(guess, "packs"))) return guess;
        return root?.FullName;
    }

    /// <summary>The framework reference assemblies for a pack (e.g. Microsoft.NETCore.App), best version for the target.</summary>
    public static IReadOnlyList<string> FrameworkAssemblies(string frameworkName, string targetFramework)
    {
        var root = DotnetRoot();
        var packDir = root == null ? null : System.IO.Path.Combine(root, "packs", frameworkName + ".Ref");
        if (packDir != null && Directory.Exists(packDir))
        {
            var versions = Directory.GetDirectories(packDir)
                .Select(d => (Dir: d, Ok: System.Version.TryParse(System.IO.Path.GetFileName(d).Split('-')[0], out var v), V: v))
                .Where(x => x.Ok).OrderByDescending(x => x.V).ToList();
            // The pack whose major version matches the target if there is one, else the newest.
            string want = targetFramework.ToLowerInvariant();
            foreach (var (dir, _, v) in versions.OrderByDescending(x => want.StartsWith($"net{x.V!.Major}.") ? 1 : 0).ThenByDescending(x => x.V))
            {
                var refDir = Directory.Exists(System.IO.Path.Combine(dir, "ref")) ? Directory.GetDirectories(System.IO.Path.Combine(dir, "ref")) : [];
                var best = refDir.OrderByDescending(d => System.IO.Path.GetFileName(d), StringComparer.Ordinal).FirstOrDefault();
                if (best == null) continue;
                var dlls = Directory.GetFiles(best, "*.dll");
                if (dlls.Length > 0) return dlls;
            }
        }
        if (frameworkName == "Microsoft.NETCore.App")
        {
            // No targeting pack: the runtime's implementation assemblies (a superset of the reference surface).
            var rt = RuntimeEnvironment.GetRuntimeDirectory();
            return RuntimeAssemblies(rt, AppContext.BaseDirectory, AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string);
        }
        return [];
    }

    /// <summary>
    /// The framework's assemblies in <paramref name="runtimeDir"/>. A self-contained application's runtime directory is
    /// its own folder, which also holds Roslyn, TorchSharp and the server: there only the files that the application's
    /// deps.json (<paramref name="depsFiles"/>, ';'-separated) lists under the runtime pack are the framework's.
    /// </summary>
    internal static IReadOnlyList<string> RuntimeAssemblies(string runtimeDir, string appDir, string? depsFiles)
    {
        var candidates = Directory.GetFiles(runtimeDir, "*.dll").Where(IsManagedCandidate).ToList();
        if (!SameDirectory(runtimeDir, appDir)) return candidates;
        var framework = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var deps in (depsFiles ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            try
            {
                using var stream = File.OpenRead(deps);
                using var doc = JsonDocument.Parse(stream);
                if (!doc.RootElement.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Object) continue;
                foreach (var target in targets.EnumerateObject())
                {
                    if (target.Value.ValueKind != JsonValueKind.Object) continue;
                    foreach (var lib in target.Value.EnumerateObject())
                        if (lib.Name.StartsWith("runtimepack.Microsoft.NETCore.App.Runtime", StringComparison.OrdinalIgnoreCase)
                            && lib.Value.ValueKind == JsonValueKind.Object && lib.Value.TryGetProperty("runtime", out var runtime) && runtime.ValueKind == JsonValueKind.Object)
                            foreach (var file in runtime.EnumerateObject()) framework.Add(System.IO.Path.GetFileName(file.Name));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException) { }
        }
        return framework.Count == 0 ? candidates : candidates.Where(c => framework.Contains(System.IO.Path.GetFileName(c))).ToList();
    }

    private static bool SameDirectory(string a, string b) =>
        string.Equals(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(a)), System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(b)),
            OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private static bool IsManagedCandidate(string path)
    {
        var n = System.IO.Path.GetFileName(path);
        return (n.StartsWith("System.", StringComparison.Ordinal) || n.StartsWith("Microsoft.", StringComparison.Ordinal) || n is "mscorlib.dll" or "netstandard.dll")
            && !n.Contains("Native", StringComparison.Ordinal);
    }

    /// <summary>
    /// The NuGet compile assets of a project from <c>obj/project.assets.json</c> (format version 3 or 4). Its paths are
    /// untrusted: only existing <c>.dll</c> files under one of its package folders are accepted, at most
    /// <see cref="MaxAssemblyBytes"/> each and <see cref="MaxPackageAssemblies"/> in all. Problems go to
    /// <paramref name="warnings"/>; nothing throws.
    /// </summary>
    public static IReadOnlyList<string> PackageAssemblies(string projectDir, string targetFramework, List<string>? warnings = null) =>
        PackageAssemblies(projectDir, targetFramework, out _, warnings);

    /// <param name="complete">False when the assets file is missing, unreadable or records restore errors: some
    /// referenced packages then have no assemblies here.</param>
    public static IReadOnlyList<string> PackageAssemblies(string projectDir, string targetFramework, out bool complete, List<string>? warnings = null)
    {
        var path = System.IO.Path.Combine(projectDir, "obj", "project.assets.json");
        var result = new List<string>();
        complete = false;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) return result;
            if (info.Length > MaxAssetsBytes) { warnings?.Add($"{path}: larger than {MaxAssetsBytes >> 20} MiB, ignored"); return result; }
            using var stream = info.OpenRead();
            using var doc = JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 64, AllowTrailingCommas = true });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return result;
            if (root.TryGetProperty("version", out var ver) && ver.ValueKind == JsonValueKind.Number && ver.TryGetInt32(out int v) && v is not (3 or 4))
                warnings?.Add($"{path}: format version {v}, read as version 4");
            var folders = new List<string>();
            if (root.TryGetProperty("packageFolders", out var pf) && pf.ValueKind == JsonValueKind.Object)
                foreach (var f in pf.EnumerateObject())
                    if (f.Name.Length > 0 && System.IO.Path.IsPathRooted(f.Name)) folders.Add(WithSeparator(System.IO.Path.GetFullPath(f.Name)));
            if (folders.Count == 0 || !root.TryGetProperty("targets", out var targets) || targets.ValueKind != JsonValueKind.Object) return result;
            var libraries = root.TryGetProperty("libraries", out var libs) && libs.ValueKind == JsonValueKind.Object ? libs : default;
            var target = ChooseTarget(targets, targetFramework);
            if (target.ValueKind != JsonValueKind.Object) return result;
            complete = !(root.TryGetProperty("logs", out var logs) && logs.ValueKind == JsonValueKind.Array && logs.EnumerateArray().Any(l =>
                l.ValueKind == JsonValueKind.Object && l.TryGetProperty("level", out var level) && level.ValueKind == JsonValueKind.String && level.GetString() == "Error"));
            foreach (var lib in target.EnumerateObject())
            {
                if (lib.Value.ValueKind != JsonValueKind.Object) continue;
                if (lib.Value.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() != "package") continue;
                if (!lib.Value.TryGetProperty("compile", out var compile) || compile.ValueKind != JsonValueKind.Object) continue;
                string? libPath = null;
                if (libraries.ValueKind == JsonValueKind.Object && libraries.TryGetProperty(lib.Name, out var l) && l.ValueKind == JsonValueKind.Object
                    && l.TryGetProperty("path", out var lp) && lp.ValueKind == JsonValueKind.String) libPath = lp.GetString();
                libPath ??= lib.Name.ToLowerInvariant();
                foreach (var asset in compile.EnumerateObject())
                {
                    if (!asset.Name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) continue; // "_._" and others
                    if (result.Count >= MaxPackageAssemblies) { warnings?.Add($"{path}: more than {MaxPackageAssemblies} assemblies, the rest ignored"); return result; }
                    if (Resolve(folders, libPath, asset.Name) is { } dll) result.Add(dll);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or ArgumentException)
        {
            warnings?.Add($"{path}: unreadable ({e.Message})");
        }
        return result;
    }

    private static string WithSeparator(string dir) => dir.EndsWith(System.IO.Path.DirectorySeparatorChar) ? dir : dir + System.IO.Path.DirectorySeparatorChar;

    /// <summary>An asset path inside a package folder: it must stay inside the folder after links are resolved.</summary>
    private static string? Resolve(List<string> folders, string libPath, string asset)
    {
        foreach (var folder in folders)
        {
            string full;
            try { full = System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, libPath, asset)); }
            catch (Exception e) when (e is ArgumentException or PathTooLongException or NotSupportedException) { continue; }
            if (!full.StartsWith(folder, StringComparison.Ordinal)) continue;
            try
            {
                var fi = new FileInfo(full);
                if (!fi.Exists) continue;
                if (fi.LinkTarget != null)
                {
                    var t = fi.ResolveLinkTarget(true);
                    if (t is not FileInfo tf || !tf.Exists || !System.IO.Path.GetFullPath(tf.FullName).StartsWith(folder, StringComparison.Ordinal)) continue;
                    fi = tf;
                }
                if (fi.Length > MaxAssemblyBytes || fi.Length < 64) continue;
                return full;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return null;
    }

    private static JsonElement ChooseTarget(JsonElement targets, string tfm)
    {
        var candidates = targets.EnumerateObject().Where(t => !t.Name.Contains('/')).ToList();
        foreach (var t in candidates) if (string.Equals(t.Name, tfm, StringComparison.OrdinalIgnoreCase)) return t.Value;
        string? longName = LongName(tfm);
        if (longName != null)
            foreach (var t in candidates) if (string.Equals(t.Name, longName, StringComparison.OrdinalIgnoreCase)) return t.Value;
        return candidates.Count > 0 ? candidates[^1].Value : default;
    }

    /// <summary>net8.0 -> .NETCoreApp,Version=v8.0; netstandard2.0 -> .NETStandard,Version=v2.0; net48 -> .NETFramework,Version=v4.8.</summary>
    internal static string? LongName(string tfm)
    {
        var t = tfm.ToLowerInvariant().Split('-')[0];
        if (t.StartsWith("netstandard")) return ".NETStandard,Version=v" + t["netstandard".Length..];
        if (t.StartsWith("netcoreapp")) return ".NETCoreApp,Version=v" + t["netcoreapp".Length..];
        if (t.StartsWith("net") && t.Contains('.')) return ".NETCoreApp,Version=v" + t[3..];
        if (t.StartsWith("net") && t.Length > 3 && t[3..].All(char.IsDigit)) return ".NETFramework,Version=v" + string.Join('.', t[3..].Select(c => c.ToString()));
        return null;
    }
}
