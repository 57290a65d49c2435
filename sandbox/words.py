"""Word lists the sandbox universe draws synthetic names, titles and plots from.

Pure data, written for this project. The lists deliberately carry accents, apostrophes,
ampersands, quotes, ``<`` and non-Latin scripts so every page layout has to escape them.
Changing any list changes every universe built from it (the universe's fingerprint).
"""

from __future__ import annotations

# IMDb's genre names, in IMDb's own (alphabetical) display order. A title's genres are a
# bit mask over this tuple, so the order is part of the universe format.
GENRES: tuple[str, ...] = (
    "Action",
    "Adventure",
    "Animation",
    "Biography",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Family",
    "Fantasy",
    "Film-Noir",
    "History",
    "Horror",
    "Music",
    "Musical",
    "Mystery",
    "News",
    "Reality-TV",
    "Romance",
    "Sci-Fi",
    "Short",
    "Sport",
    "Talk-Show",
    "Thriller",
    "War",
    "Western",
)

# IMDb title type ids with their display text (as in ``titleType.{id,text}``).
TITLE_TYPES: tuple[tuple[str, str], ...] = (
    ("movie", "Movie"),
    ("short", "Short"),
    ("tvMovie", "TV Movie"),
    ("video", "Video"),
    ("tvSeries", "TV Series"),
    ("tvMiniSeries", "TV Mini Series"),
)

# (ISO 3166 alpha-2, English name, old IMDb link code, weight). Old IMDb links used "uk" for
# GB; everything else was the lower-cased ISO code. Weights roughly follow the share of
# countries of origin on IMDb's feature-film catalogue.
COUNTRIES: tuple[tuple[str, str, str, float], ...] = (
    ("US", "United States", "us", 40.0),
    ("GB", "United Kingdom", "uk", 8.0),
    ("FR", "France", "fr", 7.0),
    ("IT", "Italy", "it", 4.5),
    ("DE", "Germany", "de", 4.0),
    ("JP", "Japan", "jp", 4.5),
    ("IN", "India", "in", 4.0),
    ("CA", "Canada", "ca", 3.5),
    ("ES", "Spain", "es", 2.5),
    ("HK", "Hong Kong", "hk", 1.5),
    ("KR", "South Korea", "kr", 1.5),
    ("SE", "Sweden", "se", 1.3),
    ("AU", "Australia", "au", 1.3),
    ("MX", "Mexico", "mx", 1.2),
    ("BR", "Brazil", "br", 1.2),
    ("RU", "Russia", "ru", 1.2),
    ("CN", "China", "cn", 1.0),
    ("DK", "Denmark", "dk", 0.8),
    ("NL", "Netherlands", "nl", 0.7),
    ("BE", "Belgium", "be", 0.6),
    ("AR", "Argentina", "ar", 0.7),
    ("PL", "Poland", "pl", 0.6),
    ("GR", "Greece", "gr", 0.5),
    ("TR", "Turkey", "tr", 0.6),
    ("IE", "Ireland", "ie", 0.4),
    ("NO", "Norway", "no", 0.4),
    ("FI", "Finland", "fi", 0.4),
    ("EG", "Egypt", "eg", 0.4),
    ("MA", "Morocco", "ma", 0.2),
    ("CZ", "Czech Republic", "cz", 0.4),
    ("HU", "Hungary", "hu", 0.3),
    ("IR", "Iran", "ir", 0.3),
    ("PH", "Philippines", "ph", 0.4),
    ("NZ", "New Zealand", "nz", 0.2),
    ("CH", "Switzerland", "ch", 0.3),
    ("AT", "Austria", "at", 0.3),
    ("PT", "Portugal", "pt", 0.3),
    ("IL", "Israel", "il", 0.2),
    ("TW", "Taiwan", "tw", 0.3),
    ("NG", "Nigeria", "ng", 0.2),
)

# Trailing articles of titles in the R data sets ("Matrix, The") -> display form and the
# country a title with that article most likely comes from ("" = no hint).
ARTICLES: dict[str, str] = {
    "The": "",
    "A": "",
    "An": "",
    "Il": "IT",
    "Lo": "IT",
    "Gli": "IT",
    "I": "IT",
    "La": "FR",
    "Le": "FR",
    "Les": "FR",
    "L'": "FR",
    "Der": "DE",
    "Die": "DE",
    "Das": "DE",
    "El": "ES",
    "Los": "ES",
    "Las": "ES",
    "Den": "DK",
    "Det": "SE",
    "De": "NL",
    "O": "PT",
    "Os": "BR",
}

FIRST_NAMES: tuple[str, ...] = (
    "Ada", "Adrián", "Aiko", "Alain", "Alba", "Aleksandr", "Alice", "Amara", "Ana", "Anders",
    "André", "Anil", "Anna", "Arjun", "Astrid", "Aurelio", "Ayşe", "Beatriz", "Benedikt",
    "Bianca", "Birgit", "Bruno", "Camille", "Carlos", "Carmen", "Chen", "Chiara", "Chloé",
    "Claude", "Dae-jung", "Dalia", "Daniel", "Dara", "David", "Dmitri", "Dolores", "Edith",
    "Eitan", "Elena", "Eliška", "Elsa", "Emeka", "Emil", "Esther", "Fatima", "Federico",
    "Felix", "Fernanda", "François", "Freya", "Gabriel", "Gaspard", "Giulia", "Gloria",
    "Gustav", "Hana", "Hannah", "Hassan", "Helga", "Hiro", "Ida", "Ilse", "Ingrid", "Irene",
    "Isaac", "Ivan", "Jacques", "Jamal", "Jan", "Jana", "Javier", "Jean-Luc", "Jin", "Joan",
    "João", "Jonas", "Jorge", "José", "Judit", "Julia", "Kai", "Karin", "Kenji", "Kofi",
    "Lars", "Laura", "Leila", "Lena", "Leon", "Liam", "Lin", "Lucía", "Luka", "Magnus",
    "Maja", "Malik", "Marco", "Margit", "María", "Marek", "Marta", "Mateo", "Maya", "Mei",
    "Mikael", "Min-ji", "Mira", "Nadia", "Nils", "Noor", "Olga", "Omar", "Oskar", "Paolo",
    "Pedro", "Petra", "Pilar", "Priya", "Rafael", "Rahul", "Renée", "Rosa", "Ruth", "Sami",
    "Sara", "Sébastien", "Sergei", "Sigrid", "Simone", "Sofia", "Søren", "Stefan", "Sunita",
    "Takeshi", "Tamar", "Teresa", "Thomas", "Tomás", "Ulla", "Valentina", "Vera", "Víctor",
    "Wei", "Wiktor", "Yara", "Yusuf", "Zoë", "Zofia",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Abadi", "Abbott", "Achterberg", "Adeyemi", "Alvarez", "Andersen", "Arslan", "Bachmann",
    "Baptiste", "Barros", "Beaumont", "Becker", "Bergström", "Bianchi", "Björk", "Blanchard",
    "Bogdanov", "Bondarenko", "Brennan", "Castellano", "Chandra", "Chevalier", "Cho", "Costa",
    "Czerny", "D'Angelo", "Dahl", "Delacroix", "Dimitriou", "Doyle", "Dubois", "Duarte",
    "Eriksen", "Esposito", "Falk", "Farouk", "Ferreira", "Fischer", "Fontaine", "Galloway",
    "García", "Gill", "Grünwald", "Gupta", "Haddad", "Halvorsen", "Hartmann", "Hayashi",
    "Herrera", "Hoffmann", "Horvát", "Ibrahim", "Ivanova", "Jansen", "Jiménez", "Kaplan",
    "Kato", "Keller", "Khan", "Kim", "Kovács", "Kowalski", "Krüger", "Kuznetsov", "Lambert",
    "Larsen", "Lebedev", "Leclerc", "Lehmann", "Lindqvist", "Lombardi", "Lopes", "Lund",
    "Mahmoud", "Marchetti", "Martín", "Matsumoto", "McAllister", "Mehta", "Mendoza",
    "Meyer", "Moreau", "Morozov", "Müller", "Nakamura", "Navarro", "Nguyen", "Nielsen",
    "Nowak", "Novák", "O'Brien", "O'Connor", "Okafor", "Olsen", "Ortiz", "Pacheco", "Park",
    "Pereira", "Petrov", "Popescu", "Quintero", "Rahman", "Ramírez", "Reyes", "Ricci",
    "Rossi", "Roux", "Russo", "Saito", "Salazar", "Santos", "Schneider", "Schwarz",
    "Sharma", "Silva", "Singh", "Sokolov", "Suárez", "Svensson", "Szabó", "Tanaka",
    "Thorsen", "Torres", "Tremblay", "Uchida", "Valdés", "Van Dijk", "Varga", "Vasquez",
    "Vogel", "Wagner", "Watanabe", "Weiss", "Wiśniewski", "Wong", "Yamamoto", "Yilmaz",
    "Zanetti", "Zhang", "Zieliński",
)  # fmt: skip

# Synthetic titles: "{adjective} {noun}", "The {noun} of {place}", ... See universe.py.
TITLE_ADJECTIVES: tuple[str, ...] = (
    "Silent", "Broken", "Last", "Crimson", "Hidden", "Endless", "Burning", "Golden",
    "Frozen", "Wild", "Lost", "Dark", "Bright", "Hollow", "Iron", "Velvet", "Distant",
    "Secret", "Savage", "Quiet", "Midnight", "Electric", "Paper", "Glass", "Restless",
    "Forgotten", "Sweet", "Bitter", "Falling", "Rising", "Little", "Sacred", "Wicked",
    "Naked", "Blue", "Scarlet", "Northern", "Southern", "Final", "Eternal",
)  # fmt: skip

TITLE_NOUNS: tuple[str, ...] = (
    "River", "Summer", "Horizon", "Kingdom", "Harbor", "Garden", "Witness", "Stranger",
    "Empire", "Frontier", "Mirror", "Letter", "Station", "Orchard", "Island", "Machine",
    "Promise", "Shadow", "Highway", "Symphony", "Affair", "Verdict", "Voyage", "Orbit",
    "Heist", "Ballad", "Signal", "Harvest", "Carnival", "Labyrinth", "Hotel", "Circus",
    "Winter", "Reckoning", "Tide", "Compass", "Lighthouse", "Detective", "Dynasty", "Code",
)  # fmt: skip

TITLE_PLACES: tuple[str, ...] = (
    "Marseille", "Kraków", "São Paulo", "Reykjavík", "Tangier", "Kyoto", "Valparaíso",
    "Nagpur", "Odessa", "Zürich", "Lagos", "Havana", "Tbilisi", "Montréal", "Seville",
    "Bergen", "Dublin", "Palermo", "Istanbul", "Yokohama", "Oaxaca", "Lisbon", "Gdańsk",
    "Alexandria", "Durban", "Busan", "Trieste", "Québec", "Manaus", "Cork",
)  # fmt: skip

# Original titles of foreign synthetic titles, per country of origin: (words, joiner).
ORIGINAL_TITLE_WORDS: dict[str, tuple[tuple[str, ...], str]] = {
    "FR": (("L'été", "La nuit", "Le silence", "Les amants", "Un cœur", "La forêt",
            "Le dernier", "Les enfants", "Mémoire", "Fenêtre"), " "),
    "IT": (("La notte", "Il ritorno", "L'estate", "Gli amici", "Il segreto", "La città",
            "Un giorno", "Il mare", "Più forte", "Perché"), " "),
    "DE": (("Die Nacht", "Der Fremde", "Das Haus", "Über", "Die Straße", "Der Sommer",
            "Grün", "Die Brücke", "Heimat", "Schwäne"), " "),
    "ES": (("El camino", "La sombra", "Los olvidados", "Mañana", "El niño", "La casa",
            "Corazón", "El último", "Años", "Señales"), " "),
    "JP": (("夜", "東京", "物語", "海", "約束", "影", "春", "家族", "桜", "風"), ""),
    "KR": (("밤", "서울", "바다", "기억", "사랑", "그림자", "집", "여름", "길", "별"), " "),
    "CN": (("夜", "上海", "江湖", "故事", "春天", "长城", "家", "月亮", "风", "梦"), ""),
    "HK": (("夜", "香港", "英雄", "故事", "江湖", "雨", "茶", "月", "城", "龍"), ""),
    "RU": (("Ночь", "Москва", "Зима", "Дом", "Река", "Тишина", "Брат", "Город",
            "Сердце", "Дорога"), " "),
    "GR": (("Νύχτα", "Αθήνα", "Θάλασσα", "Σπίτι", "Καλοκαίρι", "Δρόμος", "Ήλιος",
            "Αγάπη", "Σιωπή", "Νησί"), " "),
    "EG": (("ليل", "القاهرة", "النيل", "بيت", "حب", "طريق", "صمت", "مدينة", "قمر",
            "حلم"), " "),
    "IN": (("रात", "मुंबई", "दिल", "सपना", "घर", "प्यार", "गंगा", "सफर", "चाँद",
            "कहानी"), " "),
    "SE": (("Natten", "Sommaren", "Skogen", "Hemma", "Vinter", "Ön", "Flickan", "Älven",
            "Ljuset", "Tystnad"), " "),
    "PL": (("Noc", "Miasto", "Cisza", "Żółty", "Dom", "Wiatr", "Ostatni", "Łąka",
            "Rzeka", "Zima"), " "),
    "TR": (("Gece", "İstanbul", "Deniz", "Ev", "Yol", "Kış", "Şehir", "Ağaç", "Sessizlik",
            "Güneş"), " "),
}  # fmt: skip

# One sentence per title: "{who} {does} {what} {where}{twist}." Some fragments carry
# quotes, ampersands, "<" and a literal "</script>" on purpose: they test escaping.
PLOT_WHO: tuple[str, ...] = (
    "A retired detective", "Two estranged sisters", "A young pilot", "An ageing boxer",
    "A small-town teacher", "A reclusive composer", "Three childhood friends",
    "A disgraced surgeon", "A teenage runaway", "An idealistic lawyer", "A widowed farmer",
    "A jazz pianist", "A rookie cop", "An exiled prince", "A night-shift nurse",
    "A washed-up actor", "A brilliant hacker", "A travelling salesman", "A stubborn nun",
    "A grieving father", "The crew of a cargo ship", "A pair of con artists",
    "A café owner named Zoë", "The heir to \"Smith & Sons\"", "A translator from Kraków",
)  # fmt: skip

PLOT_DOES: tuple[str, ...] = (
    "must outwit", "falls for", "sets out to find", "is haunted by", "tries to expose",
    "reluctantly protects", "goes to war with", "comes to terms with", "races against",
    "bargains with", "uncovers", "hides from", "teaches", "is framed by", "befriends",
)  # fmt: skip

PLOT_WHAT: tuple[str, ...] = (
    "a ruthless crime syndicate", "a stranger with no memory", "the ghosts of the past",
    "a corrupt mayor", "an alien intelligence", "a runaway bride", "the family's dark secret",
    "a rival gang", "a mysterious benefactor", "a dying star", "a missing manuscript",
    "the so-called \"Committee of Five\"", "a cursed violin", "a <classified> dossier",
    "a machine that dreams", "an old flame", "the last wolf in the valley",
    "a note that reads \"</script>\"", "the \\\\backslash gang\\\\", "a debt of 1 < 2 lives",
)  # fmt: skip

PLOT_WHERE: tuple[str, ...] = (
    "in post-war Vienna", "on a remote island", "in 1920s Shanghai", "across the Sahara",
    "in a sleepy fishing village", "aboard a space station", "in the streets of Naples",
    "in a crumbling mansion", "in São Paulo", "in Reykjavík", "in 東京", "in Москва",
    "in Αθήνα", "in القاهرة", "in Montréal", "on the Orient Express", "in a Texas border town",
    "in the Scottish Highlands", "in Mumbai's film studios", "beneath the Arctic ice",
)  # fmt: skip

PLOT_TWIST: tuple[str, ...] = (
    "", "", "", "", "", " before it is too late", " while a storm closes in",
    " & learns what family means", " with nothing but a stolen car",
    " — and nobody believes them", " as the war draws near",
)  # fmt: skip

# HTML/JSON filler (reviews, trivia) reuses these sentences.
FILLER_SENTENCES: tuple[str, ...] = (
    "The cinematography is breathtaking and the score stays with you for days.",
    "I went in with low expectations & came out having seen one of the year's best films.",
    "Not every subplot lands, but the lead performance carries the whole thing.",
    "A film that rewards a second viewing; the details you miss the first time matter.",
    "The pacing in the middle act drags, yet the finale is worth the wait.",
    "During filming the crew had to rebuild the main set twice after flooding.",
    "The director insisted on shooting on location rather than in a studio.",
    "Several scenes were improvised on the day, including the famous dinner scene.",
    "Originally planned as a trilogy, the sequels were never made.",
    "The script went through eleven drafts before the studio approved it.",
)  # fmt: skip
