global using ViatiqueRulebook = Viatique.Api.Settings.Rulebook.Rulebook;
