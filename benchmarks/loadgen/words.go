package loadgen

// Vocabulary the templates draw from. Every organisation and domain here is
// fictional and under a name reserved by RFC 2606 (example.com/.net/.org,
// .example, .test); real brand names appear only in phish, where mail
// impersonates them, and then only in display names, link texts and
// look-alike hosts under .example.

var firstNames = []string{
	"Anna", "Ben", "Carla", "David", "Elif", "Felix", "Greta", "Hannah", "Ivo", "Julia",
	"Karim", "Lena", "Marco", "Nina", "Oskar", "Paula", "Quinn", "Rita", "Sven", "Tessa",
	"Uwe", "Vera", "Willem", "Xenia", "Yusuf", "Zoe", "João", "Maria", "Pedro", "Beatriz",
	"Jürgen", "Sören", "Annelies", "Daan", "Sanne", "Thijs", "Emma", "Liam", "Olivia", "Noah",
	"Priya", "Wei", "Aisha", "Mateo", "Chloé", "Björn", "Inês", "Gonçalo", "Maarten", "Femke",
}

var lastNames = []string{
	"Schmidt", "Müller", "Becker", "Wagner", "Hoffmann", "de Vries", "Jansen", "van Dijk",
	"Bakker", "Visser", "Silva", "Santos", "Oliveira", "Pereira", "Costa", "Smith", "Johnson",
	"Brown", "Taylor", "Wilson", "Martin", "Nguyen", "Patel", "Kowalski", "Rossi", "Dubois",
	"Fischer", "Weber", "Schäfer", "Peeters", "Ferreira", "Gonçalves", "O'Brien", "Murphy",
	"Lindqvist", "Novak", "Horvat", "Yilmaz", "Kaya", "Meyer",
}

type vendor struct {
	name, domain, product string
}

// Ham senders: fictional companies on reserved domains.
var vendors = []vendor{
	{"Northwind Traders", "northwind.example", "office supplies"},
	{"Contoso Cloud", "billing.contoso.example.com", "cloud hosting"},
	{"Fabrikam Software", "fabrikam.example.net", "software licences"},
	{"Tailspin Toys", "tailspin.example.org", "toys"},
	{"Wingtip Energy", "wingtip-energy.example", "electricity"},
	{"Litware Telecom", "litware.example.com", "mobile plans"},
	{"Adventure Works", "adventure-works.example", "outdoor gear"},
	{"Woodgrove Insurance", "woodgrove.example.net", "insurance"},
	{"Proseware Print", "proseware.example.org", "printing"},
	{"Lucerne Publishing", "lucerne-publishing.example", "books"},
	{"Blue Yonder Travel", "blueyonder.example.com", "travel"},
	{"Coho Vineyard", "coho-vineyard.example", "wine"},
	{"Alpine Ski House", "alpineskihouse.example.net", "ski rentals"},
	{"Margie's Travel", "margies-travel.example.org", "travel"},
	{"Trey Research", "treyresearch.example", "market research"},
}

var carriers = []vendor{
	{"Tailspin Express", "track.tailspin-express.example", "parcels"},
	{"Parcelo", "parcelo.example.com", "parcels"},
	{"SwiftShip Logistics", "swiftship.example.net", "freight"},
	{"Pakketpost", "pakketpost.example", "pakketten"},
	{"Entrega Rápida", "entrega-rapida.example.org", "encomendas"},
	{"PaketBlitz", "paketblitz.example", "Pakete"},
}

var publishers = []vendor{
	{"The Northwind Journal", "news.northwind.example", "news"},
	{"DevOps Weekly Digest", "digest.example.org", "engineering"},
	{"Security Briefing", "briefing.example.net", "security"},
	{"Lucerne Book Club", "club.lucerne-publishing.example", "books"},
	{"Stadtnachrichten", "stadt.example", "lokales"},
	{"Nieuwsbrief Fietsclub", "fietsclub.example.org", "fietsen"},
	{"Boletim Semanal", "boletim.example.com", "notícias"},
}

type brand struct {
	name    string   // as it appears in display names
	real    string   // its real host, shown in deceptive link texts
	stem    string   // base for look-alike hosts
	senders []string // display names used in spoofing
}

var brands = []brand{
	{"PayPal", "www.paypal.com", "paypal", []string{"PayPal Service", "PayPal", "PayPal Security"}},
	{"Microsoft 365", "login.microsoftonline.com", "microsoft", []string{"Microsoft 365", "Microsoft Account Team", "Outlook Web Access"}},
	{"Apple", "appleid.apple.com", "apple", []string{"Apple Support", "iCloud", "Apple ID"}},
	{"Netflix", "www.netflix.com", "netflix", []string{"Netflix", "Netflix Billing"}},
	{"Amazon", "www.amazon.com", "amazon", []string{"Amazon", "Amazon.com Customer Service", "Prime Membership"}},
	{"DocuSign", "www.docusign.net", "docusign", []string{"DocuSign", "DocuSign via Docs"}},
	{"DHL", "www.dhl.de", "dhl", []string{"DHL Express", "DHL Paket", "DHL Kundenservice"}},
	{"PostNL", "www.postnl.nl", "postnl", []string{"PostNL", "PostNL Klantenservice"}},
	{"Correios", "www.correios.com.br", "correios", []string{"Correios", "Correios Brasil"}},
	{"Sparkasse", "www.sparkasse.de", "sparkasse", []string{"Sparkasse", "Sparkasse Online-Banking"}},
}

var shorteners = []string{"bit.ly", "tinyurl.com", "t.ly", "is.gd", "rb.gy", "cutt.ly"}

var cities = []string{
	"Berlin", "Hamburg", "München", "Köln", "Amsterdam", "Rotterdam", "Utrecht", "Lisboa",
	"Porto", "São Paulo", "Rio de Janeiro", "London", "Manchester", "Dublin", "Chicago", "Austin",
}

var teams = []string{"Platform", "Finance", "Sales EMEA", "Customer Success", "Security", "Data", "HR", "Legal", "Marketing", "Procurement"}

var topics = []string{
	"Q3 planning", "budget review", "vendor onboarding", "release 4.2", "hiring plan",
	"customer escalation", "office move", "security audit", "pricing update", "roadmap sync",
	"incident retro", "data retention policy", "SLA renewal", "offsite agenda",
}

var docNames = []string{
	"Q4 Payroll.xlsx", "Salary Adjustment 2025.pdf", "Remittance Advice.pdf", "Contract_Signed.docx",
	"Bonus Structure.xlsx", "Purchase Order.pdf", "Bank Details Update.pdf", "Shared Invoice.pdf",
}

var lineItems = []string{
	"Standard plan (monthly)", "Additional storage 500 GB", "Support add-on", "Printer toner (black)",
	"A4 paper, 5 boxes", "Licence seat", "Setup fee", "Data transfer", "Premium support", "Domain renewal",
	"Backup service", "Training session", "Shipping", "Consulting hours",
}

var urgency = []string{
	"within 24 hours", "immediately", "today", "within 48 hours", "before midnight", "as soon as possible",
}

var freeMailLike = []string{
	"mailbox-secure.example", "inbox-notify.example.net", "fastmail-service.example", "webmail-center.example.org",
}

var tlds = []string{".example", ".example.com", ".example.net", ".example.org", ".test"}

var mailers = []string{
	"", "", "", "Microsoft Outlook 16.0", "Apple Mail (2.3774)", "Mozilla Thunderbird 128.3",
	"Roundcube Webmail/1.6.9", "PHPMailer 6.9.1", "Zimbra 10.0",
}

var cssStyles = []string{
	"", "body{font-family:Arial,sans-serif;color:#222}",
	"body{font-family:Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5}p{margin:0 0 12px}",
	".btn a{border-radius:4px}h2{color:#0b5cad;font-size:18px}",
}
