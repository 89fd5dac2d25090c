package main

import "github.com/portalmfa/portalmfa"

// The demo's notification texts: a subject and a body per kind and
// language, as text/template reading mailData. A real portal keeps these
// with its other email templates; they are the portal's words, not
// portalmfa's.

type mailText struct{ subject, body string }

// mailTimeLayout is how the messages of a language write a time.
func mailTimeLayout(lang string) string {
	switch lang {
	case "fr", "es", "it":
		return "02/01/2006 15:04 MST"
	case "de":
		return "02.01.2006, 15:04 MST"
	case "nl":
		return "02-01-2006 15:04 MST"
	}
	return "Jan 2, 2006, 3:04 PM MST"
}

func mailCatalog() map[string]map[portalmfa.NotificationKind]mailText {
	return map[string]map[portalmfa.NotificationKind]mailText{
		"en": {
			portalmfa.NotifyNewTrustedDevice: {
				"New trusted device on your account",
				"Hello {{.Name}},\n\n{{with .Device}}{{.}}{{else}}A browser{{end}} ({{.IP}}) became a trusted device on {{.When}}: signing in there skips the code for a while.\n\nNot you? Revoke it under Connection & Security and change your password.",
			},
			portalmfa.NotifyTOTPDisabled: {
				"Two-step verification was turned off",
				"Hello {{.Name}},\n\nTwo-step verification was turned off on {{.When}} from {{.IP}}. Your account is now protected by your password only.\n\nNot you? Change your password and turn it on again.",
			},
			portalmfa.NotifyBackupCodeUsed: {
				"A backup code was used",
				"Hello {{.Name}},\n\nA backup code was used to sign in on {{.When}} from {{.IP}}. {{if eq .Remaining 1}}You have 1 backup code left.{{else}}You have {{.Remaining}} backup codes left.{{end}}",
			},
			portalmfa.NotifyFewBackupCodes: {
				"You are running out of backup codes",
				"Hello {{.Name}},\n\n{{if eq .Remaining 0}}You have no backup codes left.{{else if eq .Remaining 1}}Only 1 backup code is left.{{else}}Only {{.Remaining}} backup codes are left.{{end}} Make new ones under Connection & Security.",
			},
			portalmfa.NotifyRepeatedFailures: {
				"Repeated failed sign-in attempts",
				"Hello {{.Name}},\n\nSomeone entered your password, then failed the second step several times ({{.When}}, from {{.IP}}). Sign-in is paused for a while.\n\nNot you? Change your password now.",
			},
			portalmfa.NotifyNotMe: {
				"You reported a sign-in that wasn't you",
				"Hello {{.Name}},\n\nOn {{.When}} you told us a sign-in attempt wasn't yours. We signed out all your trusted devices. Change your password if you haven't yet.",
			},
		},
		"fr": {
			portalmfa.NotifyNewTrustedDevice: {
				"Nouvel appareil de confiance sur votre compte",
				"Bonjour {{.Name}},\n\n{{with .Device}}{{.}}{{else}}Un navigateur{{end}} ({{.IP}}) est devenu un appareil de confiance le {{.When}} : la connexion depuis celui-ci se passe du code pendant un certain temps.\n\nCe n'était pas vous ? Révoquez-le dans Connexion et sécurité et changez votre mot de passe.",
			},
			portalmfa.NotifyTOTPDisabled: {
				"La validation en deux étapes a été désactivée",
				"Bonjour {{.Name}},\n\nLa validation en deux étapes a été désactivée le {{.When}} depuis {{.IP}}. Votre compte n'est plus protégé que par votre mot de passe.\n\nCe n'était pas vous ? Changez votre mot de passe et réactivez-la.",
			},
			portalmfa.NotifyBackupCodeUsed: {
				"Un code de secours a été utilisé",
				"Bonjour {{.Name}},\n\nUn code de secours a servi à vous connecter le {{.When}} depuis {{.IP}}. {{if le .Remaining 1}}Il vous reste {{.Remaining}} code de secours.{{else}}Il vous reste {{.Remaining}} codes de secours.{{end}}",
			},
			portalmfa.NotifyFewBackupCodes: {
				"Vous n'avez presque plus de codes de secours",
				"Bonjour {{.Name}},\n\n{{if eq .Remaining 0}}Il ne vous reste plus aucun code de secours.{{else if eq .Remaining 1}}Il ne reste qu’un code de secours.{{else}}Il ne reste que {{.Remaining}} codes de secours.{{end}} Générez-en de nouveaux dans Connexion et sécurité.",
			},
			portalmfa.NotifyRepeatedFailures: {
				"Tentatives de connexion échouées répétées",
				"Bonjour {{.Name}},\n\nQuelqu'un a saisi votre mot de passe, puis a échoué plusieurs fois à la seconde étape ({{.When}}, depuis {{.IP}}). La connexion est suspendue pour un moment.\n\nCe n'était pas vous ? Changez votre mot de passe dès maintenant.",
			},
			portalmfa.NotifyNotMe: {
				"Vous avez signalé une connexion qui n'était pas la vôtre",
				"Bonjour {{.Name}},\n\nLe {{.When}}, vous nous avez signalé une tentative de connexion qui n'était pas la vôtre. Nous avons déconnecté tous vos appareils de confiance. Changez votre mot de passe si ce n'est pas déjà fait.",
			},
		},
		"es": {
			portalmfa.NotifyNewTrustedDevice: {
				"Nuevo dispositivo de confianza en tu cuenta",
				"Hola, {{.Name}}:\n\n{{with .Device}}{{.}}{{else}}Un navegador{{end}} ({{.IP}}) pasó a ser un dispositivo de confianza el {{.When}}: al iniciar sesión en él no se pedirá el código durante un tiempo.\n\n¿No fuiste tú? Revócalo en Conexión y seguridad y cambia tu contraseña.",
			},
			portalmfa.NotifyTOTPDisabled: {
				"Se ha desactivado la verificación en dos pasos",
				"Hola, {{.Name}}:\n\nLa verificación en dos pasos se desactivó el {{.When}} desde {{.IP}}. Ahora tu cuenta solo está protegida por tu contraseña.\n\n¿No fuiste tú? Cambia tu contraseña y vuelve a activarla.",
			},
			portalmfa.NotifyBackupCodeUsed: {
				"Se ha usado un código de respaldo",
				"Hola, {{.Name}}:\n\nSe usó un código de respaldo para iniciar sesión el {{.When}} desde {{.IP}}. {{if eq .Remaining 1}}Te queda 1 código de respaldo.{{else}}Te quedan {{.Remaining}} códigos de respaldo.{{end}}",
			},
			portalmfa.NotifyFewBackupCodes: {
				"Te quedan pocos códigos de respaldo",
				"Hola, {{.Name}}:\n\n{{if eq .Remaining 0}}Ya no te quedan códigos de respaldo.{{else if eq .Remaining 1}}Solo queda 1 código de respaldo.{{else}}Solo quedan {{.Remaining}} códigos de respaldo.{{end}} Genera otros nuevos en Conexión y seguridad.",
			},
			portalmfa.NotifyRepeatedFailures: {
				"Intentos de inicio de sesión fallidos repetidos",
				"Hola, {{.Name}}:\n\nAlguien introdujo tu contraseña y después falló varias veces el segundo paso ({{.When}}, desde {{.IP}}). El inicio de sesión queda en pausa durante un rato.\n\n¿No fuiste tú? Cambia tu contraseña ahora.",
			},
			portalmfa.NotifyNotMe: {
				"Has informado de un inicio de sesión que no fue tuyo",
				"Hola, {{.Name}}:\n\nEl {{.When}} nos dijiste que un intento de inicio de sesión no fue tuyo. Hemos cerrado la sesión de todos tus dispositivos de confianza. Cambia tu contraseña si aún no lo has hecho.",
			},
		},
		"de": {
			portalmfa.NotifyNewTrustedDevice: {
				"Neues vertrauenswürdiges Gerät in Ihrem Konto",
				"Hallo {{.Name}},\n\n{{with .Device}}{{.}}{{else}}Ein Browser{{end}} ({{.IP}}) ist seit {{.When}} ein vertrauenswürdiges Gerät: Die Anmeldung dort überspringt eine Zeit lang den Code.\n\nDas waren nicht Sie? Widerrufen Sie es unter Verbindung & Sicherheit und ändern Sie Ihr Passwort.",
			},
			portalmfa.NotifyTOTPDisabled: {
				"Die Bestätigung in zwei Schritten wurde ausgeschaltet",
				"Hallo {{.Name}},\n\ndie Bestätigung in zwei Schritten wurde am {{.When}} von {{.IP}} aus ausgeschaltet. Ihr Konto ist jetzt nur noch durch Ihr Passwort geschützt.\n\nDas waren nicht Sie? Ändern Sie Ihr Passwort und schalten Sie sie wieder ein.",
			},
			portalmfa.NotifyBackupCodeUsed: {
				"Ein Backup-Code wurde verwendet",
				"Hallo {{.Name}},\n\nam {{.When}} wurde von {{.IP}} aus ein Backup-Code zur Anmeldung verwendet. {{if eq .Remaining 1}}Sie haben noch 1 Backup-Code.{{else}}Sie haben noch {{.Remaining}} Backup-Codes.{{end}}",
			},
			portalmfa.NotifyFewBackupCodes: {
				"Ihnen gehen die Backup-Codes aus",
				"Hallo {{.Name}},\n\n{{if eq .Remaining 0}}Sie haben keine Backup-Codes mehr.{{else if eq .Remaining 1}}Es ist nur noch 1 Backup-Code übrig.{{else}}Es sind nur noch {{.Remaining}} Backup-Codes übrig.{{end}} Erstellen Sie neue unter Verbindung & Sicherheit.",
			},
			portalmfa.NotifyRepeatedFailures: {
				"Wiederholt fehlgeschlagene Anmeldeversuche",
				"Hallo {{.Name}},\n\njemand hat Ihr Passwort eingegeben und ist dann mehrmals am zweiten Schritt gescheitert ({{.When}}, von {{.IP}}). Die Anmeldung ist eine Weile gesperrt.\n\nDas waren nicht Sie? Ändern Sie jetzt Ihr Passwort.",
			},
			portalmfa.NotifyNotMe: {
				"Sie haben eine fremde Anmeldung gemeldet",
				"Hallo {{.Name}},\n\nam {{.When}} haben Sie uns gemeldet, dass ein Anmeldeversuch nicht von Ihnen war. Wir haben alle Ihre vertrauenswürdigen Geräte abgemeldet. Ändern Sie Ihr Passwort, falls noch nicht geschehen.",
			},
		},
		"it": {
			portalmfa.NotifyNewTrustedDevice: {
				"Nuovo dispositivo attendibile sul tuo account",
				"Ciao {{.Name}},\n\n{{with .Device}}{{.}}{{else}}Un browser{{end}} ({{.IP}}) è diventato un dispositivo attendibile il {{.When}}: l'accesso da lì salta il codice per un po'.\n\nNon sei stato tu? Revocalo in Connessione e sicurezza e cambia la password.",
			},
			portalmfa.NotifyTOTPDisabled: {
				"La verifica in due passaggi è stata disattivata",
				"Ciao {{.Name}},\n\nla verifica in due passaggi è stata disattivata il {{.When}} da {{.IP}}. Ora il tuo account è protetto solo dalla password.\n\nNon sei stato tu? Cambia la password e riattivala.",
			},
			portalmfa.NotifyBackupCodeUsed: {
				"È stato usato un codice di backup",
				"Ciao {{.Name}},\n\nil {{.When}} è stato usato un codice di backup per accedere da {{.IP}}. {{if eq .Remaining 1}}Ti resta 1 codice di backup.{{else}}Ti restano {{.Remaining}} codici di backup.{{end}}",
			},
			portalmfa.NotifyFewBackupCodes: {
				"Stai per finire i codici di backup",
				"Ciao {{.Name}},\n\n{{if eq .Remaining 0}}Non ti restano più codici di backup.{{else if eq .Remaining 1}}Resta solo 1 codice di backup.{{else}}Restano solo {{.Remaining}} codici di backup.{{end}} Creane di nuovi in Connessione e sicurezza.",
			},
			portalmfa.NotifyRepeatedFailures: {
				"Tentativi di accesso non riusciti ripetuti",
				"Ciao {{.Name}},\n\nqualcuno ha inserito la tua password e poi ha fallito più volte il secondo passaggio ({{.When}}, da {{.IP}}). L'accesso è sospeso per un po'.\n\nNon sei stato tu? Cambia subito la password.",
			},
			portalmfa.NotifyNotMe: {
				"Hai segnalato un accesso che non era tuo",
				"Ciao {{.Name}},\n\nil {{.When}} ci hai segnalato che un tentativo di accesso non era tuo. Abbiamo disconnesso tutti i tuoi dispositivi attendibili. Cambia la password, se non l'hai ancora fatto.",
			},
		},
		"nl": {
			portalmfa.NotifyNewTrustedDevice: {
				"Nieuw vertrouwd apparaat op je account",
				"Hallo {{.Name}},\n\n{{with .Device}}{{.}}{{else}}Een browser{{end}} ({{.IP}}) is op {{.When}} een vertrouwd apparaat geworden: inloggen daar slaat de code een tijdje over.\n\nWas jij dit niet? Trek het in bij Verbinding & beveiliging en wijzig je wachtwoord.",
			},
			portalmfa.NotifyTOTPDisabled: {
				"Verificatie in twee stappen is uitgeschakeld",
				"Hallo {{.Name}},\n\nVerificatie in twee stappen is op {{.When}} uitgeschakeld vanaf {{.IP}}. Je account is nu alleen nog met je wachtwoord beveiligd.\n\nWas jij dit niet? Wijzig je wachtwoord en schakel het weer in.",
			},
			portalmfa.NotifyBackupCodeUsed: {
				"Er is een back-upcode gebruikt",
				"Hallo {{.Name}},\n\nOp {{.When}} is vanaf {{.IP}} met een back-upcode ingelogd. {{if eq .Remaining 1}}Je hebt nog 1 back-upcode.{{else}}Je hebt nog {{.Remaining}} back-upcodes.{{end}}",
			},
			portalmfa.NotifyFewBackupCodes: {
				"Je back-upcodes raken op",
				"Hallo {{.Name}},\n\n{{if eq .Remaining 0}}Je hebt geen back-upcodes meer.{{else if eq .Remaining 1}}Er is nog maar 1 back-upcode over.{{else}}Er zijn nog maar {{.Remaining}} back-upcodes over.{{end}} Maak nieuwe aan bij Verbinding & beveiliging.",
			},
			portalmfa.NotifyRepeatedFailures: {
				"Herhaaldelijk mislukte inlogpogingen",
				"Hallo {{.Name}},\n\nIemand heeft je wachtwoord ingevoerd en is daarna meerdere keren gestruikeld over de tweede stap ({{.When}}, vanaf {{.IP}}). Inloggen is een tijdje geblokkeerd.\n\nWas jij dit niet? Wijzig nu je wachtwoord.",
			},
			portalmfa.NotifyNotMe: {
				"Je hebt een inlogpoging gemeld die niet van jou was",
				"Hallo {{.Name}},\n\nOp {{.When}} heb je ons laten weten dat een inlogpoging niet van jou was. We hebben al je vertrouwde apparaten afgemeld. Wijzig je wachtwoord als je dat nog niet hebt gedaan.",
			},
		},
	}
}
