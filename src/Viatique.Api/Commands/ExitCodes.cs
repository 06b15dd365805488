namespace Viatique.Api.Commands;

public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    /// <summary>EX_CONFIG from sysexits.h: the configuration breaks the rulebook.</summary>
    public const int Config = 78;
}
