using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace MetalCore.ModelFiles.Safetensors;

/// <summary>
/// The weights of a Hugging Face model directory: a single <c>model.safetensors</c>, or shards
/// listed by <c>model.safetensors.index.json</c>. Every file is mapped and validated; the index
/// must name files inside the directory and every tensor it lists must be in the shard it names.
/// </summary>
internal sealed class SafetensorsCheckpoint : IDisposable
{
    /// <summary>The weights file of an unsharded checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The index of a sharded checkpoint.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files = [];
    private readonly Dictionary<string, SafetensorsTensorInfo> _tensors = new(StringComparer.Ordinal);

    private SafetensorsCheckpoint(string directory)
    {
        DirectoryPath = directory;
    }

    /// <summary>The model directory.</summary>
    public string DirectoryPath { get; }

    /// <summary>The mapped files (one, or every shard).</summary>
    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <summary>Every tensor of the checkpoint.</summary>
    public IEnumerable<SafetensorsTensorInfo> Tensors => _tensors.Values;

    /// <summary>Opens the checkpoint in <paramref name="directory"/>.</summary>
    /// <exception cref="ModelFileException">The weights are missing, or a file or the index is invalid.</exception>
    public static SafetensorsCheckpoint Open(string directory)
    {
        var checkpoint = new SafetensorsCheckpoint(directory);
        try
        {
            var index = Path.Combine(directory, IndexFileName);
            var single = Path.Combine(directory, SingleFileName);
            if (File.Exists(index))
            {
                checkpoint.OpenShards(index);
            }
            else if (File.Exists(single))
            {
                checkpoint.AddAllTensors(checkpoint.OpenFile(single));
            }
            else
            {
                throw new ModelFileException(directory, $"no weights: neither '{SingleFileName}' nor '{IndexFileName}' is in the directory");
            }
            return checkpoint;
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
    }

    /// <summary>Looks up a tensor by name in whichever file holds it.</summary>
    public bool TryGetTensor(string name, [MaybeNullWhen(false)] out SafetensorsTensorInfo tensor) => _tensors.TryGetValue(name, out tensor);

    /// <summary>Unmaps every file.</summary>
    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private SafetensorsFile OpenFile(string path)
    {
        var file = SafetensorsFile.Open(path);
        _files.Add(file);
        return file;
    }

    private void AddAllTensors(SafetensorsFile file)
    {
        foreach (var tensor in file.Tensors)
        {
            _tensors.Add(tensor.Name, tensor);
        }
    }

    private void OpenShards(string indexPath)
    {
        using var json = JsonFile.Load(indexPath);
        var root = JsonFile.RequireObject(indexPath, json.RootElement, "the index");
        var weightMap = JsonFile.RequireObject(indexPath, JsonFile.Require(indexPath, root, "weight_map"), "'weight_map'");
        var shards = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        foreach (var entry in weightMap.EnumerateObject())
        {
            var shardName = entry.Value.ValueKind == JsonValueKind.String
                ? entry.Value.GetString()!
                : throw JsonFile.WrongType(indexPath, $"weight_map.{entry.Name}", entry.Value, "a file name");
            if (!shards.TryGetValue(shardName, out var shard))
            {
                shard = OpenFile(ShardPath(indexPath, entry.Name, shardName));
                shards.Add(shardName, shard);
            }
            if (!shard.TryGetTensor(entry.Name, out var tensor))
            {
                throw new ModelFileException(indexPath, $"weight_map places tensor '{entry.Name}' in '{shardName}', which does not contain it");
            }
            if (!_tensors.TryAdd(entry.Name, tensor))
            {
                throw new ModelFileException(indexPath, $"weight_map lists tensor '{entry.Name}' twice");
            }
        }
    }

    // Shard names are plain file names in the model directory: anything else (a path, "..")
    // would let an index reach outside it.
    private string ShardPath(string indexPath, string tensor, string shardName)
    {
        if (shardName.Length == 0 || shardName != Path.GetFileName(shardName) || shardName is "." or ".."
            || shardName.Contains('/') || shardName.Contains('\\'))
        {
            throw new ModelFileException(indexPath, $"weight_map entry for tensor '{tensor}' names '{shardName}', which is not a file name in the model directory");
        }
        var path = Path.Combine(DirectoryPath, shardName);
        return File.Exists(path)
            ? path
            : throw new ModelFileException(indexPath, $"weight_map names shard '{shardName}' (for tensor '{tensor}'), which is missing from the directory");
    }
}
