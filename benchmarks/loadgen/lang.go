package loadgen

// language holds the phrases one language needs. Templates hold
// placeholders in braces, filled by (*Generator).expand: {name} recipient
// first name, {sender} sender's full name, {company}, {brand}, {amount},
// {date}, {due}, {id}, {track}, {topic}, {team}, {city}, {product},
// {urgency}, {doc}.
type language struct {
	code        string
	hello       []string
	regards     []string
	months      [12]string
	dateStyle   int // 0: "2 January 2006", 1: "02.01.2006", 2: "02-01-2006", 3: "02/01/2006"
	decimalComa bool
	currency    string
	readMore    []string
	unsubscribe []string
	news        []string // newsletter sentences
	newsTitle   []string
	invoiceSubj []string
	invoiceBody []string
	rowInvoice  [4]string // invoice no, date, amount, due
	portal      []string
	notesSubj   []string
	notesIntro  []string
	notesItems  []string
	actionItems []string
	shipSubj    []string
	shipBody    []string
	track       []string
	replyBodies []string
	replySubj   []string
	// phish
	phishSubj    []string
	phishBody    []string
	phishButton  []string
	deliverySubj []string
	deliveryBody []string
	invPhishSubj []string
	invPhishBody []string
	footer       []string
}

var english = &language{
	code:     "en",
	hello:    []string{"Hi {name},", "Hello {name},", "Dear {name},", "Good morning {name},", "{name},"},
	regards:  []string{"Best regards,", "Kind regards,", "Thanks,", "Cheers,", "Regards,", "Many thanks,"},
	months:   [12]string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
	currency: "USD",
	readMore: []string{"Read more", "Continue reading", "Read the full story", "Learn more"},
	unsubscribe: []string{
		"You receive this newsletter because you subscribed at {company}. Unsubscribe or change your preferences at any time.",
		"Not interested any more? You can unsubscribe with one click.",
	},
	news: []string{
		"This week we look at how teams in {city} are rethinking their {product} budgets.",
		"Our readers asked for more detail, so this issue goes deeper than usual.",
		"The numbers are in: adoption grew by {days} percent compared with last quarter.",
		"We spoke with {sender}, who leads the {team} team, about what changed this year.",
		"Registration for the autumn meetup in {city} is now open, with a limited number of seats.",
		"A short reminder that the price change announced in {date} takes effect next month.",
		"Three practical tips you can apply today, with examples from real projects.",
		"If you missed last week's webinar, the recording and slides are now online.",
		"The community voted, and the winning proposal will ship in the next release.",
		"Behind the scenes, our team has been rebuilding the search to make it faster.",
		"Several of you wrote in about the survey; thank you, we read every answer.",
		"Here is what to expect from the {topic} over the coming weeks.",
	},
	newsTitle:   []string{"What's new this week", "Product update", "From the editor", "Events near you", "Tips and tricks", "Community spotlight", "In case you missed it"},
	invoiceSubj: []string{"Invoice {id} from {company}", "Your {company} invoice {id}", "Receipt for your payment to {company}", "{company}: invoice {id} is available", "Payment confirmation {id}"},
	invoiceBody: []string{
		"Thank you for your business. Your invoice {id} for {amount} is attached to this email.",
		"Please find attached invoice {id} for your {product} subscription.",
		"The amount of {amount} will be collected by direct debit on or after {due}.",
		"If you have any questions about this invoice, reply to this email or contact our billing team.",
		"You can also view and download all past invoices in your account.",
		"Payment terms are 30 days net. Please quote the invoice number with your payment.",
	},
	rowInvoice:  [4]string{"Invoice number", "Invoice date", "Amount due", "Due date"},
	portal:      []string{"View your invoice online", "Open the billing portal", "Manage your account"},
	notesSubj:   []string{"Notes: {topic}", "Meeting notes - {topic}", "Summary of today's {topic} meeting", "Follow-up: {topic}", "Action items from {topic}"},
	notesIntro:  []string{"Thanks everyone for joining today. Here is a short summary of what we discussed about the {topic}.", "As promised, the notes from this morning's {topic} session.", "Quick recap of the {topic} call, please correct anything I got wrong."},
	notesItems:  []string{"Timeline moves by two weeks because of the vendor delay", "Budget stays at {amount} for now", "{sender} will own the rollout in {city}", "We agreed to keep the current process until the review", "Open question: do we need legal sign-off?", "Dashboard numbers look good, churn is down", "Hiring for the {team} team is on hold until {date}", "Next checkpoint is on {due}"},
	actionItems: []string{"{sender} to send the updated plan by {due}", "{name} to check the contract terms", "Everyone: review the draft before Friday", "{team} team to prepare the numbers", "Schedule a follow-up with {company}"},
	shipSubj:    []string{"Your order {id} has shipped", "Your parcel is on its way", "Delivery update for order {id}", "Your package will arrive on {due}", "Shipment {track}: out for delivery"},
	shipBody:    []string{"Good news! Your order {id} has left our warehouse and is on its way to you.", "Estimated delivery: {due}. You will receive another email when it is out for delivery.", "Your parcel is being handled by {company}, tracking number {track}.", "No action is needed from you. If nobody is home, the driver will leave a card."},
	track:       []string{"Track your parcel", "Track shipment", "See delivery status"},
	replyBodies: []string{"Sounds good to me, let's do Thursday at 10.", "Thanks for sending this over. I'll take a look tonight and get back to you.", "Can we move this to next week? I'm travelling until {date}.", "Attached is the version with my comments. Mostly small things.", "Great, thanks! Looping in {sender} who knows the details better than I do."},
	replySubj:   []string{"Re: {topic}", "RE: {topic}", "Re: quick question", "Re: lunch on Thursday?", "Fwd: {topic}"},
	phishSubj: []string{
		"Action required: verify your {brand} account", "Your {brand} account has been suspended",
		"Unusual sign-in activity detected", "Final notice: your account will be closed {urgency}",
		"[{brand}] Confirm your identity", "Your mailbox is almost full - upgrade {urgency}",
		"Payment declined - update your billing information", "Security alert: new login from {city}",
	},
	phishBody: []string{
		"We detected unusual activity on your account and have temporarily limited access.",
		"To restore full access, you must verify your information {urgency}.",
		"If you do not confirm your details, your account will be permanently suspended.",
		"Our records show that your payment method has expired. Update it {urgency} to avoid interruption.",
		"Someone tried to sign in to your account from {city}. If this was not you, secure your account now.",
		"Your password expires today. Keep your current password by confirming below.",
		"Failure to verify will result in the loss of all your data.",
		"This is an automated message, do not reply. Reference: {id}.",
	},
	phishButton:  []string{"Verify now", "Confirm my account", "Restore access", "Update payment", "Keep current password", "Review activity", "Sign in securely"},
	deliverySubj: []string{"Your package could not be delivered", "Delivery attempt failed - action required", "{brand}: customs fee of {amount} outstanding", "Your parcel {track} is on hold"},
	deliveryBody: []string{"We tried to deliver your parcel {track} but nobody was home.", "A customs fee of {amount} must be paid before we can deliver your package.", "Please confirm your address and pay the fee {urgency}, or the parcel will be returned to sender.", "Reschedule your delivery using the link below."},
	invPhishSubj: []string{"Overdue invoice {id}", "RE: Payment for invoice {id}", "Remittance advice {id}", "Outstanding balance - {amount}", "New document shared: {doc}"},
	invPhishBody: []string{"Please see the attached invoice, which is now overdue.", "Kindly process the payment of {amount} {urgency}.", "Open the attached document to view the remittance details.", "We have changed our bank details; please use the details in the attachment for future payments.", "The document is protected. Sign in with your email account to view it."},
	footer:       []string{"This email was sent to you by {company}, {city}.", "Please do not reply to this message.", "Copyright {year} {company}. All rights reserved.", "Privacy notice | Terms of use | Contact us"},
}

var german = &language{
	code:        "de",
	hello:       []string{"Hallo {name},", "Liebe/r {name},", "Guten Tag {name},", "Sehr geehrte Damen und Herren,", "Moin {name},"},
	regards:     []string{"Viele Grüße", "Mit freundlichen Grüßen", "Beste Grüße", "Danke und Gruß"},
	months:      [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"},
	dateStyle:   1,
	decimalComa: true,
	currency:    "EUR",
	readMore:    []string{"Weiterlesen", "Mehr erfahren", "Zum Artikel"},
	unsubscribe: []string{"Sie erhalten diesen Newsletter, weil Sie sich bei {company} angemeldet haben. Hier können Sie sich jederzeit abmelden.", "Keine E-Mails mehr erhalten? Abmelden."},
	news: []string{
		"Diese Woche schauen wir uns an, wie Teams in {city} ihre Budgets für {product} planen.",
		"Die Anmeldung für das Treffen im Herbst ist ab sofort möglich, die Plätze sind begrenzt.",
		"Viele von Ihnen haben uns geschrieben – vielen Dank für die zahlreichen Rückmeldungen.",
		"Die Preisänderung, die wir im {date} angekündigt haben, gilt ab dem nächsten Monat.",
		"Drei praktische Tipps, die Sie sofort umsetzen können, mit Beispielen aus echten Projekten.",
		"Wir haben mit {sender} über die Veränderungen im Team {team} gesprochen.",
		"Die Straßenbauarbeiten in der Innenstadt dauern voraussichtlich bis Ende des Monats.",
		"Für Rückfragen steht Ihnen unser Kundenservice gerne zur Verfügung.",
	},
	newsTitle:   []string{"Neuigkeiten der Woche", "Aus der Redaktion", "Veranstaltungen", "Tipps & Tricks"},
	invoiceSubj: []string{"Ihre Rechnung {id} von {company}", "Rechnung {id}", "Zahlungsbestätigung {id}", "Ihre Rechnung für {product} ist verfügbar"},
	invoiceBody: []string{"vielen Dank für Ihren Auftrag. Im Anhang finden Sie die Rechnung {id} über {amount}.", "Der Betrag von {amount} wird am {due} per Lastschrift eingezogen.", "Bei Fragen zu Ihrer Rechnung antworten Sie einfach auf diese E-Mail.", "Alle bisherigen Rechnungen finden Sie jederzeit in Ihrem Kundenkonto."},
	rowInvoice:  [4]string{"Rechnungsnummer", "Rechnungsdatum", "Betrag", "Fällig am"},
	portal:      []string{"Rechnung online ansehen", "Zum Kundenkonto"},
	notesSubj:   []string{"Protokoll: {topic}", "Notizen zum Termin {topic}", "Zusammenfassung {topic}", "Nachbereitung: {topic}"},
	notesIntro:  []string{"danke fürs Mitmachen heute. Hier die wichtigsten Punkte zum Thema {topic}.", "anbei wie versprochen das Protokoll von heute Vormittag."},
	notesItems:  []string{"Der Zeitplan verschiebt sich um zwei Wochen", "Das Budget bleibt vorerst bei {amount}", "{sender} übernimmt die Einführung in {city}", "Offene Frage: Brauchen wir eine Freigabe der Rechtsabteilung?", "Nächster Termin am {due}"},
	actionItems: []string{"{sender} schickt den überarbeiteten Plan bis {due}", "{name} prüft die Vertragsbedingungen", "Alle: Entwurf bis Freitag lesen"},
	shipSubj:    []string{"Ihre Bestellung {id} wurde versandt", "Ihr Paket ist unterwegs", "Zustellung am {due}", "Sendung {track}: Zustellung heute"},
	shipBody:    []string{"gute Nachrichten: Ihre Bestellung {id} hat unser Lager verlassen.", "Voraussichtliche Zustellung: {due}.", "Ihr Paket wird von {company} zugestellt, Sendungsnummer {track}.", "Sie müssen nichts weiter tun."},
	track:       []string{"Sendung verfolgen", "Zur Sendungsverfolgung"},
	replyBodies: []string{"Passt mir gut, dann Donnerstag um 10 Uhr.", "Danke dir, ich schaue es mir heute Abend an.", "Können wir das auf nächste Woche verschieben? Ich bin bis {date} unterwegs."},
	replySubj:   []string{"AW: {topic}", "Re: {topic}", "WG: {topic}"},
	phishSubj: []string{
		"Ihr Konto wurde vorübergehend gesperrt", "Dringend: Bestätigen Sie Ihre Daten {urgency}",
		"Sicherheitswarnung: ungewöhnliche Anmeldung", "Letzte Mahnung: Ihr Zugang wird deaktiviert",
		"Ihre {brand} pushTAN-Registrierung läuft ab",
	},
	phishBody: []string{
		"wir haben ungewöhnliche Aktivitäten in Ihrem Konto festgestellt und den Zugang vorübergehend eingeschränkt.",
		"Bitte bestätigen Sie Ihre Angaben innerhalb von 24 Stunden, andernfalls wird Ihr Konto dauerhaft gesperrt.",
		"Aufgrund neuer gesetzlicher Vorgaben müssen alle Kunden ihre Daten aktualisieren.",
		"Dies ist eine automatisch generierte Nachricht. Vorgangsnummer: {id}.",
	},
	phishButton:  []string{"Jetzt bestätigen", "Konto entsperren", "Daten aktualisieren"},
	deliverySubj: []string{"Ihr Paket konnte nicht zugestellt werden", "Zollgebühr von {amount} offen", "Sendung {track}: Zustellung fehlgeschlagen"},
	deliveryBody: []string{"leider konnten wir Ihr Paket {track} nicht zustellen.", "Für Ihre Sendung fällt eine Zollgebühr von {amount} an.", "Bitte bestätigen Sie Ihre Adresse und bezahlen Sie die Gebühr, sonst geht das Paket zurück an den Absender."},
	invPhishSubj: []string{"Offene Rechnung {id}", "Zahlungserinnerung {id}", "Mahnung: {amount} überfällig"},
	invPhishBody: []string{"anbei die Rechnung, die bereits überfällig ist.", "Bitte überweisen Sie {amount} umgehend.", "Wir haben unsere Bankverbindung geändert, die neuen Daten finden Sie im Anhang."},
	footer:       []string{"Diese E-Mail wurde Ihnen von {company}, {city} gesendet.", "Impressum | Datenschutz | Kontakt", "Bitte antworten Sie nicht auf diese E-Mail."},
}

var dutch = &language{
	code:        "nl",
	hello:       []string{"Hoi {name},", "Beste {name},", "Goedemorgen {name},", "Geachte heer/mevrouw,"},
	regards:     []string{"Met vriendelijke groet,", "Groeten,", "Groetjes,", "Hartelijke groet,"},
	months:      [12]string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	dateStyle:   2,
	decimalComa: true,
	currency:    "EUR",
	readMore:    []string{"Lees meer", "Verder lezen"},
	unsubscribe: []string{"U ontvangt deze nieuwsbrief omdat u zich heeft aangemeld bij {company}. Afmelden kan altijd.", "Geen e-mails meer ontvangen? Afmelden."},
	news: []string{
		"Deze week kijken we hoe teams in {city} hun budget voor {product} plannen.",
		"De inschrijving voor de najaarsbijeenkomst is geopend; er zijn beperkt plaatsen.",
		"Bedankt voor alle reacties op onze enquête, we lezen ze allemaal.",
		"De prijswijziging die we in {date} aankondigden gaat volgende maand in.",
		"Drie praktische tips die u vandaag nog kunt toepassen.",
		"We spraken met {sender} over de veranderingen binnen het team {team}.",
	},
	newsTitle:   []string{"Nieuws van deze week", "Van de redactie", "Evenementen"},
	invoiceSubj: []string{"Uw factuur {id} van {company}", "Factuur {id}", "Betalingsbevestiging {id}"},
	invoiceBody: []string{"bedankt voor uw bestelling. In de bijlage vindt u factuur {id} van {amount}.", "Het bedrag van {amount} wordt op {due} automatisch afgeschreven.", "Heeft u vragen over deze factuur? Beantwoord dan deze e-mail."},
	rowInvoice:  [4]string{"Factuurnummer", "Factuurdatum", "Bedrag", "Vervaldatum"},
	portal:      []string{"Bekijk uw factuur online", "Naar mijn account"},
	notesSubj:   []string{"Notulen: {topic}", "Verslag overleg {topic}", "Samenvatting {topic}"},
	notesIntro:  []string{"bedankt voor jullie komst vandaag. Hierbij een korte samenvatting over {topic}.", "zoals beloofd de notulen van vanochtend."},
	notesItems:  []string{"De planning schuift twee weken op", "Het budget blijft voorlopig {amount}", "{sender} is verantwoordelijk voor de uitrol in {city}", "Volgende afspraak op {due}"},
	actionItems: []string{"{sender} stuurt het nieuwe plan voor {due}", "{name} controleert de contractvoorwaarden"},
	shipSubj:    []string{"Uw bestelling {id} is verzonden", "Uw pakket is onderweg", "Bezorging op {due}"},
	shipBody:    []string{"goed nieuws: uw bestelling {id} is onderweg.", "Verwachte bezorging: {due}.", "Uw pakket wordt bezorgd door {company}, trackingnummer {track}."},
	track:       []string{"Volg uw pakket", "Bekijk de status"},
	replyBodies: []string{"Prima, dan donderdag om 10 uur.", "Dank je, ik kijk er vanavond naar.", "Kunnen we dit naar volgende week verplaatsen?"},
	replySubj:   []string{"Re: {topic}", "Antw: {topic}", "Fw: {topic}"},
	phishSubj:   []string{"Uw rekening is tijdelijk geblokkeerd", "Bevestig uw gegevens {urgency}", "Beveiligingsmelding: nieuwe aanmelding"},
	phishBody: []string{
		"wij hebben ongebruikelijke activiteit op uw rekening vastgesteld.",
		"Bevestig uw gegevens binnen 24 uur, anders wordt uw rekening definitief geblokkeerd.",
		"Dit is een automatisch bericht. Referentie: {id}.",
	},
	phishButton:  []string{"Nu bevestigen", "Rekening deblokkeren"},
	deliverySubj: []string{"Uw pakket kon niet worden bezorgd", "Openstaande invoerkosten van {amount}", "Zending {track} staat in de wacht"},
	deliveryBody: []string{"wij konden uw pakket {track} helaas niet bezorgen.", "Er staan nog invoerkosten van {amount} open.", "Bevestig uw adres en betaal de kosten, anders wordt het pakket teruggestuurd."},
	invPhishSubj: []string{"Openstaande factuur {id}", "Betalingsherinnering {id}"},
	invPhishBody: []string{"in de bijlage vindt u de factuur die inmiddels is verlopen.", "Wij verzoeken u {amount} per omgaande over te maken."},
	footer:       []string{"Deze e-mail is verzonden door {company}, {city}.", "Privacy | Voorwaarden | Contact"},
}

var portuguese = &language{
	code:        "pt",
	hello:       []string{"Olá {name},", "Prezado(a) {name},", "Bom dia {name},", "Caro cliente,"},
	regards:     []string{"Atenciosamente,", "Abraços,", "Obrigado,", "Cumprimentos,"},
	months:      [12]string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"},
	dateStyle:   3,
	decimalComa: true,
	currency:    "BRL",
	readMore:    []string{"Leia mais", "Saiba mais"},
	unsubscribe: []string{"Você recebe este boletim porque se cadastrou em {company}. Cancele a inscrição a qualquer momento.", "Não quer mais receber? Cancelar inscrição."},
	news: []string{
		"Nesta semana mostramos como as equipes em {city} planejam o orçamento de {product}.",
		"As inscrições para o encontro de outono estão abertas, com vagas limitadas.",
		"Obrigado por todas as respostas à nossa pesquisa; lemos cada uma delas.",
		"A mudança de preço anunciada em {date} entra em vigor no próximo mês.",
		"Três dicas práticas para aplicar ainda hoje, com exemplos de projetos reais.",
		"Conversamos com {sender} sobre as mudanças na equipe de {team}.",
	},
	newsTitle:   []string{"Novidades da semana", "Da redação", "Eventos"},
	invoiceSubj: []string{"Sua fatura {id} da {company}", "Fatura {id} disponível", "Confirmação de pagamento {id}"},
	invoiceBody: []string{"obrigado pela preferência. Em anexo está a fatura {id} no valor de {amount}.", "O valor de {amount} será debitado em {due}.", "Em caso de dúvidas sobre esta fatura, responda a este e-mail."},
	rowInvoice:  [4]string{"Número da fatura", "Data de emissão", "Valor", "Vencimento"},
	portal:      []string{"Ver fatura online", "Acessar minha conta"},
	notesSubj:   []string{"Ata: {topic}", "Resumo da reunião {topic}", "Próximos passos: {topic}"},
	notesIntro:  []string{"obrigado pela participação hoje. Segue um resumo sobre {topic}.", "conforme combinado, segue a ata da reunião desta manhã."},
	notesItems:  []string{"O cronograma atrasa duas semanas", "O orçamento continua em {amount} por enquanto", "{sender} fica responsável pela implantação em {city}", "Próxima reunião em {due}"},
	actionItems: []string{"{sender} envia o plano atualizado até {due}", "{name} verifica os termos do contrato"},
	shipSubj:    []string{"Seu pedido {id} foi enviado", "Sua encomenda está a caminho", "Entrega prevista para {due}"},
	shipBody:    []string{"boas notícias: seu pedido {id} saiu do nosso armazém.", "Entrega prevista: {due}.", "Sua encomenda será entregue por {company}, código de rastreio {track}."},
	track:       []string{"Rastrear encomenda", "Ver status da entrega"},
	replyBodies: []string{"Combinado, quinta-feira às 10h.", "Obrigado, vou olhar hoje à noite.", "Podemos passar para a próxima semana?"},
	replySubj:   []string{"Re: {topic}", "RES: {topic}", "ENC: {topic}"},
	phishSubj:   []string{"Sua conta foi bloqueada temporariamente", "Atualize seus dados {urgency}", "Alerta de segurança: novo acesso detectado"},
	phishBody: []string{
		"detectamos atividades incomuns em sua conta e limitamos o acesso temporariamente.",
		"Confirme seus dados em até 24 horas para evitar o bloqueio definitivo.",
		"Esta é uma mensagem automática. Protocolo: {id}.",
	},
	phishButton:  []string{"Confirmar agora", "Regularizar conta", "Atualizar dados"},
	deliverySubj: []string{"Sua encomenda não pôde ser entregue", "Taxa de importação de {amount} pendente", "Objeto {track} aguardando pagamento"},
	deliveryBody: []string{"não foi possível entregar sua encomenda {track}.", "Existe uma taxa de importação de {amount} pendente.", "Confirme seu endereço e pague a taxa, caso contrário o objeto será devolvido ao remetente."},
	invPhishSubj: []string{"Fatura em atraso {id}", "Boleto {id} vencido", "Segunda via da fatura {id}"},
	invPhishBody: []string{"segue em anexo a fatura em atraso.", "Solicitamos o pagamento de {amount} com urgência.", "Abra o documento anexo para visualizar o boleto."},
	footer:       []string{"Este e-mail foi enviado por {company}, {city}.", "Privacidade | Termos | Contato"},
}
