package seed

// The network the demo data imitates: ten countries, nineteen partner organisations (names
// invented, in the style of the real ones), how many participants each country sends, how
// satisfied they tend to be and how that moves from year to year.

type country struct {
	code   string
	weight int     // participants sent, relative
	effect float64 // satisfaction, relative to the network
	trend  float64 // change of satisfaction per year, added to the network's
	orgs   []string
}

var network = []country{
	{"SN", 4, 0.30, 0.00, []string{"Samusocial Sénégal", "Keur Xaleyi Dakar"}},
	{"MA", 4, 0.40, 0.05, []string{"100% Mamans", "Foyer Al Amal Tanger"}},
	{"FR", 3, -0.20, 0.00, []string{"Maison des familles de Marseille", "Relais Parents Mayotte"}},
	{"MG", 3, 0.10, 0.10, []string{"Ankizy Mahasoa Antananarivo", "Foyer Zaza Tsara Toamasina"}},
	{"PE", 3, 0.20, 0.30, []string{"Asociación Wawakuna Cusco", "Casa Abierta Villa El Salvador"}},
	{"BF", 2, -0.10, 0.05, []string{"Maison d'écoute de Bobo-Dioulasso", "Association Yiriwa Ouagadougou"}},
	{"CM", 2, 0.00, -0.10, []string{"Centre Mbolo Douala", "Foyer Nkolndongo Yaoundé"}},
	{"CG", 2, -0.30, 0.15, []string{"Maison Bana ya Poto-Poto", "Espace Likelemba Pointe-Noire"}},
	{"CD", 2, -0.20, 0.00, []string{"Centre Bilenge Kinshasa", "Ndako Elikya Lubumbashi"}},
	{"ML", 2, 0.10, -0.15, []string{"Maison Sinjiya Bamako"}},
}

// networkTrend is the yearly change of every participant's satisfaction.
const networkTrend = 0.12

// roleWeights: how many of each role come, relative; roles not listed weigh 1.
var roleWeights = map[string]int{
	"social_worker": 6, "head_of_service": 4, "psychologist": 3, "lawyer": 2, "unit_head": 3, "other": 1,
}

// Comments in the participants' languages, from the most critical to the warmest; a
// participant's satisfaction picks among them.
var comments = map[string][]string{
	"fr": {
		"Trop de temps en plénière, pas assez d'échanges entre pays.",
		"Les ateliers étaient trop courts pour aller au fond des sujets.",
		"Il faudrait traduire les documents à l'avance.",
		"Prévoir plus de temps pour les visites de terrain.",
		"Bonne organisation, mais le programme était très chargé.",
		"Des échanges riches sur l'accompagnement des familles.",
		"J'ai découvert des outils que je vais partager avec mon équipe.",
		"Des moments magnifiques et des outils que nous partagerons avec nos collègues.",
		"La visite du partenaire hôte a été le moment le plus utile.",
		"Merci pour l'accueil : une rencontre qui redonne de l'élan.",
	},
	"es": {
		"Demasiado tiempo en plenaria y poco intercambio entre países.",
		"Los talleres fueron cortos para profundizar.",
		"Sería útil tener los documentos traducidos antes.",
		"Buena organización, aunque el programa fue muy intenso.",
		"Intercambios muy ricos sobre el acompañamiento a las familias.",
		"Me llevo herramientas concretas para mi equipo.",
		"La visita al socio anfitrión fue lo más útil.",
		"Gracias por la acogida: un encuentro que da nuevo impulso.",
	},
	"en": {
		"Too much time in plenary, not enough exchange between countries.",
		"The workshops were too short to go into depth.",
		"Documents should be translated in advance.",
		"Well organised, though the programme was very full.",
		"Rich exchanges on supporting families.",
		"I am taking home tools to share with my team.",
		"Visiting the host partner was the most useful moment.",
		"Thank you for the welcome: a meeting that gives new energy.",
	},
}

// words answer short text questions.
var words = map[string][]string{
	"fr": {"Intense", "Partage", "Solidarité", "Réseau", "Inspirant", "Famille", "Élan"},
	"es": {"Intenso", "Compartir", "Solidaridad", "Red", "Inspirador", "Familia"},
	"en": {"Intense", "Sharing", "Solidarity", "Network", "Inspiring", "Family"},
}
