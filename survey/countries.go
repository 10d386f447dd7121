package survey

import "maps"

// countryNames names the network's countries (NetworkCountries) in palabre's languages.
var countryNames = map[string]Text{
	"BF": {French: "Burkina Faso", English: "Burkina Faso", Spanish: "Burkina Faso"},
	"CM": {French: "Cameroun", English: "Cameroon", Spanish: "Camerún"},
	"CG": {French: "République du Congo", English: "Congo (Republic)", Spanish: "República del Congo"},
	"CD": {French: "République démocratique du Congo", English: "Congo (Democratic Republic)", Spanish: "República Democrática del Congo"},
	"FR": {French: "France", English: "France", Spanish: "Francia"},
	"MG": {French: "Madagascar", English: "Madagascar", Spanish: "Madagascar"},
	"ML": {French: "Mali", English: "Mali", Spanish: "Malí"},
	"MA": {French: "Maroc", English: "Morocco", Spanish: "Marruecos"},
	"PE": {French: "Pérou", English: "Peru", Spanish: "Perú"},
	"SN": {French: "Sénégal", English: "Senegal", Spanish: "Senegal"},
}

// CountryText names an ISO 3166-1 alpha-2 country in each of palabre's languages; ok is
// false for a country palabre has no name for.
func CountryText(code string) (t Text, ok bool) {
	t, ok = countryNames[code]
	return maps.Clone(t), ok
}

// CountryName names an ISO 3166-1 alpha-2 country in lang (French when palabre lacks lang);
// a code palabre has no name for stays the code.
func CountryName(code, lang string) string {
	if t, ok := countryNames[code]; ok {
		return t.In(lang, DefaultLanguage)
	}
	return code
}
