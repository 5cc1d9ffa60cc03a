namespace MetalCore.ModelFiles.Safetensors;

/// <summary>The dtypes of the safetensors format and their element sizes.</summary>
internal static class SafetensorsDTypes
{
    /// <summary>Bytes per element of <paramref name="dtype"/>, or 0 when the format does not define it.</summary>
    public static int ElementBytes(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" => 1,
        "U16" or "I16" or "F16" or "BF16" => 2,
        "U32" or "I32" or "F32" => 4,
        "U64" or "I64" or "F64" => 8,
        _ => 0,
    };
}
