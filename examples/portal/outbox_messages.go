package main

import "github.com/portalmfa/portalmfa"

// The demo's notification texts: a subject and a body per kind and
// language, as text/template reading mailData. A real portal keeps these
// with its other email templates; they are the portal's words, not
// portalmfa's.

type mailText struct{ subject, body string }

// mailTimeLayout is how the messages of a language write a time: as the
// security pages do (httpx's format.datetime), so a user meets one style.
func mailTimeLayout(lang string) string {
	switch lang {
	case "fr":
		return "02/01/2006 à 15:04 MST"
	case "es", "it":
		return "02/01/2006, 15:04 MST"
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
				"The authenticator app was removed",
				"Hello {{.Name}},\n\nThe authenticator app was removed from two-factor authentication on {{.When}} from {{.IP}}{{with .Device}} ({{.}}){{end}}. Its codes no longer work for signing in.\n\nNot you? Change your password and set the app up again under Connection & Security.",
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
			portalmfa.NotifyTwoFactorOn: {
				"Two-factor authentication was turned on",
				"Hello {{.Name}},\n\nTwo-factor authentication was turned on for your account on {{.When}} from {{.IP}}{{with .Device}} ({{.}}){{end}}. From now on, signing in asks for a second step after your password.\n\nNot you? Someone who knows your password may have done it: change your password now and check your sign-in methods under Connection & Security.",
			},
			portalmfa.NotifyTwoFactorOff: {
				"Two-factor authentication was turned off",
				"Hello {{.Name}},\n\nTwo-factor authentication was turned off on {{.When}} from {{.IP}}{{with .Device}} ({{.}}){{end}}: no authenticator app or passkey is left on your account. Your backup codes no longer work and your devices are no longer trusted. Your account is now protected by your password only.\n\nNot you? Change your password and turn two-factor authentication on again under Connection & Security.",
			},
			portalmfa.NotifyCodesRegenerated: {
				"New backup codes were created",
				"Hello {{.Name}},\n\nNew backup codes were created on {{.When}} from {{.IP}}{{with .Device}} ({{.}}){{end}}. Your old backup codes no longer work.\n\nNot you? Change your password and make new ones under Connection & Security.",
			},
			portalmfa.NotifyPasskeyAdded: {
				"A passkey was added to your account",
				"Hello {{.Name}},\n\nA passkey was added to your account on {{.When}} from {{.IP}}{{with .Device}} ({{.}}){{end}}. From now on, it can confirm it's you when you sign in.\n\nNot you? Delete it under Connection & Security and change your password.",
			},
			portalmfa.NotifyPasskeyRemoved: {
				"A passkey was deleted from your account",
				"Hello {{.Name}},\n\nA passkey was deleted from your account on {{.When}} from {{.IP}}{{with .Device}} ({{.}}){{end}}. It can no longer be used to sign in.\n\nNot you? Change your password and check your passkeys under Connection & Security.",
			},
			portalmfa.NotifyCodesSuspended: {
				"Codes from your authenticator app are paused",
				"Hello {{.Name}},\n\nAfter many wrong codes in a row, the last on {{.When}} from {{.IP}}, codes from your authenticator app no longer sign in to your account. Someone who knows your password may be guessing them.\n\nTo turn them back on, sign in with a passkey or a backup code. Then change your password. If you have neither, contact support.",
			},
			portalmfa.NotifyTOTPReplaced: {
				"Your authenticator app was replaced",
				"Hello {{.Name}},\n\nA new authenticator app replaced the old one on {{.When}} from {{.IP}}{{with .Device}} ({{.}}){{end}}. Codes from the old app no longer work.\n\nNot you? Someone who knows your password and one of your sign-in methods did it: change your password now and check your sign-in methods under Connection & Security.",
			},
			portalmfa.NotifyPasskeyClone: {
				"A sign-in with one of your passkeys was refused",
				"Hello {{.Name}},\n\nOn {{.When}}, a sign-in from {{.IP}}{{with .Device}} ({{.}}){{end}} with one of your passkeys was refused: its signature counter had not increased, a sign that the passkey may have been copied.\n\nCheck your passkeys under Connection & Security, delete any you don't recognise or no longer trust, and change your password.",
			},
		},
		"fr": {
			portalmfa.NotifyNewTrustedDevice: {
				"Nouvel appareil de confiance sur votre compte",
				"Bonjour {{.Name}},\n\n{{with .Device}}{{.}}{{else}}Un navigateur{{end}} ({{.IP}}) est devenu un appareil de confiance le {{.When}} : la connexion depuis celui-ci se passe du code pendant un certain temps.\n\nCe n'était pas vous ? Révoquez-le dans Connexion et sécurité et changez votre mot de passe.",
			},
			portalmfa.NotifyTOTPDisabled: {
				"L'application d'authentification a été retirée",
				"Bonjour {{.Name}},\n\nL'application d'authentification a été retirée de l'authentification à deux facteurs le {{.When}} depuis {{.IP}}{{with .Device}} ({{.}}){{end}}. Ses codes ne permettent plus de vous connecter.\n\nCe n'était pas vous ? Changez votre mot de passe et configurez à nouveau l'application dans Connexion et sécurité.",
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
			portalmfa.NotifyTwoFactorOn: {
				"L'authentification à deux facteurs a été activée",
				"Bonjour {{.Name}},\n\nL'authentification à deux facteurs a été activée sur votre compte le {{.When}} depuis {{.IP}}{{with .Device}} ({{.}}){{end}}. Désormais, chaque connexion demande une seconde étape après votre mot de passe.\n\nCe n'était pas vous ? Une personne qui connaît votre mot de passe l'a peut-être activée : changez votre mot de passe dès maintenant et vérifiez vos moyens de connexion dans Connexion et sécurité.",
			},
			portalmfa.NotifyTwoFactorOff: {
				"L'authentification à deux facteurs a été désactivée",
				"Bonjour {{.Name}},\n\nL'authentification à deux facteurs a été désactivée le {{.When}} depuis {{.IP}}{{with .Device}} ({{.}}){{end}} : il ne reste plus aucune application d'authentification ni clé d'accès sur votre compte. Vos codes de secours ne fonctionnent plus et vos appareils ne sont plus de confiance. Votre compte n'est plus protégé que par votre mot de passe.\n\nCe n'était pas vous ? Changez votre mot de passe et réactivez l'authentification à deux facteurs dans Connexion et sécurité.",
			},
			portalmfa.NotifyCodesRegenerated: {
				"De nouveaux codes de secours ont été générés",
				"Bonjour {{.Name}},\n\nDe nouveaux codes de secours ont été générés le {{.When}} depuis {{.IP}}{{with .Device}} ({{.}}){{end}}. Vos anciens codes de secours ne fonctionnent plus.\n\nCe n'était pas vous ? Changez votre mot de passe et générez-en de nouveaux dans Connexion et sécurité.",
			},
			portalmfa.NotifyPasskeyAdded: {
				"Une clé d'accès a été ajoutée à votre compte",
				"Bonjour {{.Name}},\n\nUne clé d'accès a été ajoutée à votre compte le {{.When}} depuis {{.IP}}{{with .Device}} ({{.}}){{end}}. Elle permet désormais de confirmer qu'il s'agit bien de vous lors de la connexion.\n\nCe n'était pas vous ? Supprimez-la dans Connexion et sécurité et changez votre mot de passe.",
			},
			portalmfa.NotifyPasskeyRemoved: {
				"Une clé d'accès a été supprimée de votre compte",
				"Bonjour {{.Name}},\n\nUne clé d'accès a été supprimée de votre compte le {{.When}} depuis {{.IP}}{{with .Device}} ({{.}}){{end}}. Elle ne permet plus de vous connecter.\n\nCe n'était pas vous ? Changez votre mot de passe et vérifiez vos clés d'accès dans Connexion et sécurité.",
			},
			portalmfa.NotifyCodesSuspended: {
				"Les codes de votre application d'authentification sont suspendus",
				"Bonjour {{.Name}},\n\nAprès de nombreux codes erronés d'affilée, le dernier le {{.When}} depuis {{.IP}}, les codes de votre application d'authentification ne permettent plus de vous connecter. Quelqu'un qui connaît votre mot de passe essaie peut-être de les deviner.\n\nPour les réactiver, connectez-vous avec une clé d'accès ou un code de secours, puis changez votre mot de passe. Si vous n'avez ni l'un ni l'autre, contactez l'assistance.",
			},
			portalmfa.NotifyTOTPReplaced: {
				"Votre application d'authentification a été remplacée",
				"Bonjour {{.Name}},\n\nUne nouvelle application d'authentification a remplacé l'ancienne le {{.When}} depuis {{.IP}}{{with .Device}} ({{.}}){{end}}. Les codes de l'ancienne application ne fonctionnent plus.\n\nCe n'était pas vous ? Quelqu'un qui connaît votre mot de passe et l'un de vos moyens de connexion l'a fait : changez votre mot de passe maintenant et vérifiez vos moyens de connexion dans Connexion et sécurité.",
			},
			portalmfa.NotifyPasskeyClone: {
				"Une connexion avec l'une de vos clés d'accès a été refusée",
				"Bonjour {{.Name}},\n\nLe {{.When}}, une connexion depuis {{.IP}}{{with .Device}} ({{.}}){{end}} avec l'une de vos clés d'accès a été refusée : son compteur de signatures n'avait pas augmenté, signe que cette clé d'accès a peut-être été copiée.\n\nVérifiez vos clés d'accès dans Connexion et sécurité, supprimez celles que vous ne reconnaissez pas ou auxquelles vous ne faites plus confiance, et changez votre mot de passe.",
			},
		},
		"es": {
			portalmfa.NotifyNewTrustedDevice: {
				"Nuevo dispositivo de confianza en tu cuenta",
				"Hola, {{.Name}}:\n\n{{with .Device}}{{.}}{{else}}Un navegador{{end}} ({{.IP}}) pasó a ser un dispositivo de confianza el {{.When}}: al iniciar sesión en él no se pedirá el código durante un tiempo.\n\n¿No fuiste tú? Revócalo en Acceso y seguridad y cambia tu contraseña.",
			},
			portalmfa.NotifyTOTPDisabled: {
				"Se ha quitado la aplicación de autenticación",
				"Hola, {{.Name}}:\n\nLa aplicación de autenticación se quitó de la verificación en dos pasos el {{.When}} desde {{.IP}}{{with .Device}} ({{.}}){{end}}. Sus códigos ya no sirven para iniciar sesión.\n\n¿No fuiste tú? Cambia tu contraseña y vuelve a configurar la aplicación en Acceso y seguridad.",
			},
			portalmfa.NotifyBackupCodeUsed: {
				"Se ha usado un código de respaldo",
				"Hola, {{.Name}}:\n\nSe usó un código de respaldo para iniciar sesión el {{.When}} desde {{.IP}}. {{if eq .Remaining 1}}Te queda 1 código de respaldo.{{else}}Te quedan {{.Remaining}} códigos de respaldo.{{end}}",
			},
			portalmfa.NotifyFewBackupCodes: {
				"Te quedan pocos códigos de respaldo",
				"Hola, {{.Name}}:\n\n{{if eq .Remaining 0}}Ya no te quedan códigos de respaldo.{{else if eq .Remaining 1}}Solo queda 1 código de respaldo.{{else}}Solo quedan {{.Remaining}} códigos de respaldo.{{end}} Genera otros nuevos en Acceso y seguridad.",
			},
			portalmfa.NotifyRepeatedFailures: {
				"Intentos de inicio de sesión fallidos repetidos",
				"Hola, {{.Name}}:\n\nAlguien introdujo tu contraseña y después falló varias veces el segundo paso ({{.When}}, desde {{.IP}}). El inicio de sesión queda en pausa durante un rato.\n\n¿No fuiste tú? Cambia tu contraseña ahora.",
			},
			portalmfa.NotifyNotMe: {
				"Has informado de un inicio de sesión que no fue tuyo",
				"Hola, {{.Name}}:\n\nEl {{.When}} nos dijiste que un intento de inicio de sesión no fue tuyo. Hemos cerrado la sesión de todos tus dispositivos de confianza. Cambia tu contraseña si aún no lo has hecho.",
			},
			portalmfa.NotifyTwoFactorOn: {
				"Se ha activado la verificación en dos pasos",
				"Hola, {{.Name}}:\n\nLa verificación en dos pasos se activó en tu cuenta el {{.When}} desde {{.IP}}{{with .Device}} ({{.}}){{end}}. A partir de ahora, cada inicio de sesión pedirá un segundo paso después de la contraseña.\n\n¿No fuiste tú? Puede que la haya activado alguien que conoce tu contraseña: cámbiala ahora y revisa tus métodos de inicio de sesión en Acceso y seguridad.",
			},
			portalmfa.NotifyTwoFactorOff: {
				"Se ha desactivado la verificación en dos pasos",
				"Hola, {{.Name}}:\n\nLa verificación en dos pasos se desactivó el {{.When}} desde {{.IP}}{{with .Device}} ({{.}}){{end}}: ya no queda ninguna aplicación de autenticación ni llave de acceso en tu cuenta. Tus códigos de respaldo ya no funcionan y tus dispositivos ya no son de confianza. Ahora tu cuenta solo está protegida por tu contraseña.\n\n¿No fuiste tú? Cambia tu contraseña y vuelve a activar la verificación en dos pasos en Acceso y seguridad.",
			},
			portalmfa.NotifyCodesRegenerated: {
				"Se han generado nuevos códigos de respaldo",
				"Hola, {{.Name}}:\n\nSe generaron nuevos códigos de respaldo el {{.When}} desde {{.IP}}{{with .Device}} ({{.}}){{end}}. Tus códigos de respaldo anteriores ya no funcionan.\n\n¿No fuiste tú? Cambia tu contraseña y genera otros nuevos en Acceso y seguridad.",
			},
			portalmfa.NotifyPasskeyAdded: {
				"Se ha añadido una llave de acceso a tu cuenta",
				"Hola, {{.Name}}:\n\nSe añadió una llave de acceso a tu cuenta el {{.When}} desde {{.IP}}{{with .Device}} ({{.}}){{end}}. A partir de ahora sirve para confirmar que eres tú al iniciar sesión.\n\n¿No fuiste tú? Elimínala en Acceso y seguridad y cambia tu contraseña.",
			},
			portalmfa.NotifyPasskeyRemoved: {
				"Se ha eliminado una llave de acceso de tu cuenta",
				"Hola, {{.Name}}:\n\nSe eliminó una llave de acceso de tu cuenta el {{.When}} desde {{.IP}}{{with .Device}} ({{.}}){{end}}. Ya no sirve para iniciar sesión.\n\n¿No fuiste tú? Cambia tu contraseña y revisa tus llaves de acceso en Acceso y seguridad.",
			},
			portalmfa.NotifyCodesSuspended: {
				"Los códigos de tu aplicación de autenticación están suspendidos",
				"Hola, {{.Name}}:\n\nTras muchos códigos incorrectos seguidos, el último el {{.When}} desde {{.IP}}, los códigos de tu aplicación de autenticación ya no sirven para iniciar sesión en tu cuenta. Es posible que alguien que conoce tu contraseña esté intentando adivinarlos.\n\nPara reactivarlos, inicia sesión con una llave de acceso o un código de respaldo y después cambia tu contraseña. Si no tienes ninguno de los dos, contacta con el servicio de asistencia.",
			},
			portalmfa.NotifyTOTPReplaced: {
				"Se ha sustituido tu aplicación de autenticación",
				"Hola, {{.Name}}:\n\nEl {{.When}}, desde {{.IP}}{{with .Device}} ({{.}}){{end}}, una nueva aplicación de autenticación sustituyó a la antigua. Los códigos de la aplicación antigua ya no funcionan.\n\n¿No has sido tú? Alguien que conoce tu contraseña y uno de tus métodos de inicio de sesión lo ha hecho: cambia tu contraseña ahora y revisa tus métodos en Acceso y seguridad.",
			},
			portalmfa.NotifyPasskeyClone: {
				"Se ha rechazado un inicio de sesión con una de tus llaves de acceso",
				"Hola, {{.Name}}:\n\nEl {{.When}} se rechazó un inicio de sesión desde {{.IP}}{{with .Device}} ({{.}}){{end}} con una de tus llaves de acceso: su contador de firmas no había aumentado, una señal de que es posible que alguien la haya copiado.\n\nRevisa tus llaves de acceso en Acceso y seguridad, elimina las que no reconozcas o en las que ya no confíes y cambia tu contraseña.",
			},
		},
		"de": {
			portalmfa.NotifyNewTrustedDevice: {
				"Neues vertrauenswürdiges Gerät in Ihrem Konto",
				"Hallo {{.Name}},\n\n{{with .Device}}{{.}}{{else}}Ein Browser{{end}} ({{.IP}}) ist seit {{.When}} ein vertrauenswürdiges Gerät: Die Anmeldung dort überspringt eine Zeit lang den Code.\n\nDas waren nicht Sie? Widerrufen Sie es unter Anmeldung und Sicherheit und ändern Sie Ihr Passwort.",
			},
			portalmfa.NotifyTOTPDisabled: {
				"Die Authenticator-App wurde entfernt",
				"Hallo {{.Name}},\n\ndie Authenticator-App wurde am {{.When}} von {{.IP}}{{with .Device}} ({{.}}){{end}} aus entfernt und gehört nicht mehr zu Ihrer Zwei-Faktor-Authentifizierung. Die Codes der App gelten bei der Anmeldung nicht mehr.\n\nDas waren nicht Sie? Ändern Sie Ihr Passwort und richten Sie die App unter Anmeldung und Sicherheit wieder ein.",
			},
			portalmfa.NotifyBackupCodeUsed: {
				"Ein Backup-Code wurde verwendet",
				"Hallo {{.Name}},\n\nam {{.When}} wurde von {{.IP}} aus ein Backup-Code zur Anmeldung verwendet. {{if eq .Remaining 1}}Sie haben noch 1 Backup-Code.{{else}}Sie haben noch {{.Remaining}} Backup-Codes.{{end}}",
			},
			portalmfa.NotifyFewBackupCodes: {
				"Ihnen gehen die Backup-Codes aus",
				"Hallo {{.Name}},\n\n{{if eq .Remaining 0}}Sie haben keine Backup-Codes mehr.{{else if eq .Remaining 1}}Es ist nur noch 1 Backup-Code übrig.{{else}}Es sind nur noch {{.Remaining}} Backup-Codes übrig.{{end}} Erstellen Sie neue unter Anmeldung und Sicherheit.",
			},
			portalmfa.NotifyRepeatedFailures: {
				"Wiederholt fehlgeschlagene Anmeldeversuche",
				"Hallo {{.Name}},\n\njemand hat Ihr Passwort eingegeben und ist dann mehrmals am zweiten Schritt gescheitert ({{.When}}, von {{.IP}}). Die Anmeldung ist eine Weile gesperrt.\n\nDas waren nicht Sie? Ändern Sie jetzt Ihr Passwort.",
			},
			portalmfa.NotifyNotMe: {
				"Sie haben eine fremde Anmeldung gemeldet",
				"Hallo {{.Name}},\n\nam {{.When}} haben Sie uns gemeldet, dass ein Anmeldeversuch nicht von Ihnen war. Wir haben alle Ihre vertrauenswürdigen Geräte abgemeldet. Ändern Sie Ihr Passwort, falls noch nicht geschehen.",
			},
			portalmfa.NotifyTwoFactorOn: {
				"Die Zwei-Faktor-Authentifizierung wurde eingeschaltet",
				"Hallo {{.Name}},\n\ndie Zwei-Faktor-Authentifizierung wurde am {{.When}} von {{.IP}}{{with .Device}} ({{.}}){{end}} aus für Ihr Konto eingeschaltet. Ab jetzt verlangt jede Anmeldung nach dem Passwort einen zweiten Schritt.\n\nDas waren nicht Sie? Dann kennt womöglich jemand Ihr Passwort: Ändern Sie es jetzt und prüfen Sie Ihre Anmeldemethoden unter Anmeldung und Sicherheit.",
			},
			portalmfa.NotifyTwoFactorOff: {
				"Die Zwei-Faktor-Authentifizierung wurde ausgeschaltet",
				"Hallo {{.Name}},\n\ndie Zwei-Faktor-Authentifizierung wurde am {{.When}} von {{.IP}}{{with .Device}} ({{.}}){{end}} aus ausgeschaltet: Ihr Konto hat keine Authenticator-App und keinen Passkey mehr. Ihre Backup-Codes funktionieren nicht mehr und Ihre Geräte sind nicht mehr vertrauenswürdig. Ihr Konto ist jetzt nur noch durch Ihr Passwort geschützt.\n\nDas waren nicht Sie? Ändern Sie Ihr Passwort und schalten Sie die Zwei-Faktor-Authentifizierung unter Anmeldung und Sicherheit wieder ein.",
			},
			portalmfa.NotifyCodesRegenerated: {
				"Neue Backup-Codes wurden erstellt",
				"Hallo {{.Name}},\n\nam {{.When}} wurden von {{.IP}}{{with .Device}} ({{.}}){{end}} aus neue Backup-Codes erstellt. Ihre bisherigen Backup-Codes funktionieren nicht mehr.\n\nDas waren nicht Sie? Ändern Sie Ihr Passwort und erstellen Sie unter Anmeldung und Sicherheit neue Backup-Codes.",
			},
			portalmfa.NotifyPasskeyAdded: {
				"Ihrem Konto wurde ein Passkey hinzugefügt",
				"Hallo {{.Name}},\n\nam {{.When}} wurde Ihrem Konto von {{.IP}}{{with .Device}} ({{.}}){{end}} aus ein Passkey hinzugefügt. Mit ihm lässt sich ab jetzt bei der Anmeldung bestätigen, dass Sie es sind.\n\nDas waren nicht Sie? Löschen Sie ihn unter Anmeldung und Sicherheit und ändern Sie Ihr Passwort.",
			},
			portalmfa.NotifyPasskeyRemoved: {
				"Ein Passkey Ihres Kontos wurde gelöscht",
				"Hallo {{.Name}},\n\nam {{.When}} wurde ein Passkey Ihres Kontos von {{.IP}}{{with .Device}} ({{.}}){{end}} aus gelöscht. Mit ihm ist keine Anmeldung mehr möglich.\n\nDas waren nicht Sie? Ändern Sie Ihr Passwort und prüfen Sie Ihre Passkeys unter Anmeldung und Sicherheit.",
			},
			portalmfa.NotifyCodesSuspended: {
				"Codes aus Ihrer Authenticator-App sind ausgesetzt",
				"Hallo {{.Name}},\n\nnach vielen falschen Codes in Folge, zuletzt am {{.When}} von {{.IP}} aus, melden Codes aus Ihrer Authenticator-App Sie nicht mehr an. Möglicherweise versucht jemand, der Ihr Passwort kennt, sie zu erraten.\n\nUm sie wieder einzuschalten, melden Sie sich mit einem Passkey oder einem Backup-Code an und ändern Sie danach Ihr Passwort. Wenn Sie keines von beiden haben, wenden Sie sich an den Support.",
			},
			portalmfa.NotifyTOTPReplaced: {
				"Ihre Authenticator-App wurde ersetzt",
				"Hallo {{.Name}},\n\nam {{.When}} hat eine neue Authenticator-App von {{.IP}}{{with .Device}} ({{.}}){{end}} aus die alte ersetzt. Codes aus der alten App funktionieren nicht mehr.\n\nWaren Sie das nicht? Dann hat es jemand getan, der Ihr Passwort und eine Ihrer Anmeldemethoden kennt: Ändern Sie jetzt Ihr Passwort und prüfen Sie Ihre Anmeldemethoden unter Anmeldung und Sicherheit.",
			},
			portalmfa.NotifyPasskeyClone: {
				"Eine Anmeldung mit einem Ihrer Passkeys wurde abgelehnt",
				"Hallo {{.Name}},\n\nam {{.When}} wurde eine Anmeldung von {{.IP}}{{with .Device}} ({{.}}){{end}} aus mit einem Ihrer Passkeys abgelehnt: Sein Signaturzähler war nicht gestiegen – ein Zeichen, dass der Passkey möglicherweise kopiert wurde.\n\nPrüfen Sie Ihre Passkeys unter Anmeldung und Sicherheit, löschen Sie alle, die Sie nicht kennen oder denen Sie nicht mehr vertrauen, und ändern Sie Ihr Passwort.",
			},
		},
		"it": {
			portalmfa.NotifyNewTrustedDevice: {
				"Nuovo dispositivo attendibile sul tuo account",
				"Ciao {{.Name}},\n\n{{with .Device}}{{.}}{{else}}Un browser{{end}} ({{.IP}}) è diventato un dispositivo attendibile il {{.When}}: l'accesso da lì salta il codice per un po'.\n\nNon sei stato tu? Revocalo in Accesso e sicurezza e cambia la password.",
			},
			portalmfa.NotifyTOTPDisabled: {
				"L'app di autenticazione è stata rimossa",
				"Ciao {{.Name}},\n\nil {{.When}}, da {{.IP}}{{with .Device}} ({{.}}){{end}}, l'app di autenticazione è stata rimossa dall'autenticazione a due fattori. I suoi codici non servono più per accedere.\n\nNon sei stato tu? Cambia la password e configura di nuovo l'app in Accesso e sicurezza.",
			},
			portalmfa.NotifyBackupCodeUsed: {
				"È stato usato un codice di backup",
				"Ciao {{.Name}},\n\nil {{.When}} è stato usato un codice di backup per accedere da {{.IP}}. {{if eq .Remaining 1}}Ti resta 1 codice di backup.{{else}}Ti restano {{.Remaining}} codici di backup.{{end}}",
			},
			portalmfa.NotifyFewBackupCodes: {
				"Stai per finire i codici di backup",
				"Ciao {{.Name}},\n\n{{if eq .Remaining 0}}Non ti restano più codici di backup.{{else if eq .Remaining 1}}Resta solo 1 codice di backup.{{else}}Restano solo {{.Remaining}} codici di backup.{{end}} Generane di nuovi in Accesso e sicurezza.",
			},
			portalmfa.NotifyRepeatedFailures: {
				"Tentativi di accesso non riusciti ripetuti",
				"Ciao {{.Name}},\n\nqualcuno ha inserito la tua password e poi ha fallito più volte il secondo passaggio ({{.When}}, da {{.IP}}). L'accesso è sospeso per un po'.\n\nNon sei stato tu? Cambia subito la password.",
			},
			portalmfa.NotifyNotMe: {
				"Hai segnalato un accesso che non era tuo",
				"Ciao {{.Name}},\n\nil {{.When}} ci hai segnalato che un tentativo di accesso non era tuo. Abbiamo disconnesso tutti i tuoi dispositivi attendibili. Cambia la password, se non l'hai ancora fatto.",
			},
			portalmfa.NotifyTwoFactorOn: {
				"L'autenticazione a due fattori è stata attivata",
				"Ciao {{.Name}},\n\nl'autenticazione a due fattori è stata attivata sul tuo account il {{.When}} da {{.IP}}{{with .Device}} ({{.}}){{end}}. D'ora in poi, a ogni accesso ti verrà chiesto un secondo passaggio dopo la password.\n\nNon sei stato tu? Potrebbe averla attivata qualcuno che conosce la tua password: cambiala subito e controlla i tuoi metodi di accesso in Accesso e sicurezza.",
			},
			portalmfa.NotifyTwoFactorOff: {
				"L'autenticazione a due fattori è stata disattivata",
				"Ciao {{.Name}},\n\nl'autenticazione a due fattori è stata disattivata il {{.When}} da {{.IP}}{{with .Device}} ({{.}}){{end}}: sul tuo account non restano più app di autenticazione né passkey. I tuoi codici di backup non funzionano più e i tuoi dispositivi non sono più attendibili. Ora il tuo account è protetto solo dalla password.\n\nNon sei stato tu? Cambia la password e riattiva l'autenticazione a due fattori in Accesso e sicurezza.",
			},
			portalmfa.NotifyCodesRegenerated: {
				"Sono stati generati nuovi codici di backup",
				"Ciao {{.Name}},\n\nil {{.When}} sono stati generati nuovi codici di backup da {{.IP}}{{with .Device}} ({{.}}){{end}}. I tuoi vecchi codici di backup non funzionano più.\n\nNon sei stato tu? Cambia la password e generane di nuovi in Accesso e sicurezza.",
			},
			portalmfa.NotifyPasskeyAdded: {
				"È stata aggiunta una passkey al tuo account",
				"Ciao {{.Name}},\n\nil {{.When}}, da {{.IP}}{{with .Device}} ({{.}}){{end}}, è stata aggiunta una passkey al tuo account. D'ora in poi si può usare per confermare che sei tu quando accedi.\n\nNon sei stato tu? Eliminala in Accesso e sicurezza e cambia la password.",
			},
			portalmfa.NotifyPasskeyRemoved: {
				"È stata eliminata una passkey dal tuo account",
				"Ciao {{.Name}},\n\nil {{.When}}, da {{.IP}}{{with .Device}} ({{.}}){{end}}, è stata eliminata una passkey dal tuo account. Non si può più usare per accedere.\n\nNon sei stato tu? Cambia la password e controlla le tue passkey in Accesso e sicurezza.",
			},
			portalmfa.NotifyCodesSuspended: {
				"I codici della tua app di autenticazione sono sospesi",
				"Ciao {{.Name}},\n\ndopo molti codici errati di seguito, l'ultimo il {{.When}} da {{.IP}}, i codici della tua app di autenticazione non consentono più di accedere al tuo account. Qualcuno che conosce la tua password potrebbe tentare di indovinarli.\n\nPer riattivarli, accedi con una passkey o un codice di backup, poi cambia la password. Se non hai né l'una né l'altro, contatta l'assistenza.",
			},
			portalmfa.NotifyTOTPReplaced: {
				"La tua app di autenticazione è stata sostituita",
				"Ciao {{.Name}},\n\nil {{.When}} una nuova app di autenticazione ha sostituito quella vecchia da {{.IP}}{{with .Device}} ({{.}}){{end}}. I codici della vecchia app non funzionano più.\n\nNon sei stato tu? Qualcuno che conosce la tua password e uno dei tuoi metodi di accesso l'ha fatto: cambia subito la password e controlla i metodi di accesso in Accesso e sicurezza.",
			},
			portalmfa.NotifyPasskeyClone: {
				"È stato rifiutato un accesso con una delle tue passkey",
				"Ciao {{.Name}},\n\nil {{.When}} è stato rifiutato un accesso da {{.IP}}{{with .Device}} ({{.}}){{end}} con una delle tue passkey: il suo contatore delle firme non era aumentato, segno che la passkey potrebbe essere stata copiata.\n\nControlla le tue passkey in Accesso e sicurezza, elimina quelle che non riconosci o di cui non ti fidi più e cambia la password.",
			},
		},
		"nl": {
			portalmfa.NotifyNewTrustedDevice: {
				"Nieuw vertrouwd apparaat op je account",
				"Hallo {{.Name}},\n\n{{with .Device}}{{.}}{{else}}Een browser{{end}} ({{.IP}}) is op {{.When}} een vertrouwd apparaat geworden: inloggen daar slaat de code een tijdje over.\n\nWas jij dit niet? Trek het in bij Aanmelden en beveiliging en wijzig je wachtwoord.",
			},
			portalmfa.NotifyTOTPDisabled: {
				"De authenticator-app is verwijderd",
				"Hallo {{.Name}},\n\nDe authenticator-app is op {{.When}} vanaf {{.IP}}{{with .Device}} ({{.}}){{end}} verwijderd uit de tweestapsverificatie. De codes van de app werken niet meer om in te loggen.\n\nWas jij dit niet? Wijzig je wachtwoord en stel de app opnieuw in bij Aanmelden en beveiliging.",
			},
			portalmfa.NotifyBackupCodeUsed: {
				"Er is een back-upcode gebruikt",
				"Hallo {{.Name}},\n\nOp {{.When}} is vanaf {{.IP}} met een back-upcode ingelogd. {{if eq .Remaining 1}}Je hebt nog 1 back-upcode.{{else}}Je hebt nog {{.Remaining}} back-upcodes.{{end}}",
			},
			portalmfa.NotifyFewBackupCodes: {
				"Je back-upcodes raken op",
				"Hallo {{.Name}},\n\n{{if eq .Remaining 0}}Je hebt geen back-upcodes meer.{{else if eq .Remaining 1}}Er is nog maar 1 back-upcode over.{{else}}Er zijn nog maar {{.Remaining}} back-upcodes over.{{end}} Maak nieuwe aan bij Aanmelden en beveiliging.",
			},
			portalmfa.NotifyRepeatedFailures: {
				"Herhaaldelijk mislukte inlogpogingen",
				"Hallo {{.Name}},\n\nIemand heeft je wachtwoord ingevoerd en is daarna meerdere keren gestruikeld over de tweede stap ({{.When}}, vanaf {{.IP}}). Inloggen is een tijdje geblokkeerd.\n\nWas jij dit niet? Wijzig nu je wachtwoord.",
			},
			portalmfa.NotifyNotMe: {
				"Je hebt een inlogpoging gemeld die niet van jou was",
				"Hallo {{.Name}},\n\nOp {{.When}} heb je ons laten weten dat een inlogpoging niet van jou was. We hebben al je vertrouwde apparaten afgemeld. Wijzig je wachtwoord als je dat nog niet hebt gedaan.",
			},
			portalmfa.NotifyTwoFactorOn: {
				"Tweestapsverificatie is aangezet",
				"Hallo {{.Name}},\n\nTweestapsverificatie is op {{.When}} vanaf {{.IP}}{{with .Device}} ({{.}}){{end}} aangezet voor je account. Voortaan wordt bij het inloggen na je wachtwoord om een tweede stap gevraagd.\n\nWas jij dit niet? Misschien heeft iemand die je wachtwoord kent dit gedaan: wijzig nu je wachtwoord en controleer je inlogmethoden bij Aanmelden en beveiliging.",
			},
			portalmfa.NotifyTwoFactorOff: {
				"Tweestapsverificatie is uitgezet",
				"Hallo {{.Name}},\n\nTweestapsverificatie is op {{.When}} vanaf {{.IP}}{{with .Device}} ({{.}}){{end}} uitgezet: er staat geen authenticator-app of passkey meer op je account. Je back-upcodes werken niet meer en je apparaten worden niet meer vertrouwd. Je account is nu alleen nog met je wachtwoord beveiligd.\n\nWas jij dit niet? Wijzig je wachtwoord en zet tweestapsverificatie weer aan bij Aanmelden en beveiliging.",
			},
			portalmfa.NotifyCodesRegenerated: {
				"Er zijn nieuwe back-upcodes gemaakt",
				"Hallo {{.Name}},\n\nOp {{.When}} zijn vanaf {{.IP}}{{with .Device}} ({{.}}){{end}} nieuwe back-upcodes gemaakt. Je oude back-upcodes werken niet meer.\n\nWas jij dit niet? Wijzig je wachtwoord en maak nieuwe aan bij Aanmelden en beveiliging.",
			},
			portalmfa.NotifyPasskeyAdded: {
				"Er is een passkey aan je account toegevoegd",
				"Hallo {{.Name}},\n\nOp {{.When}} is vanaf {{.IP}}{{with .Device}} ({{.}}){{end}} een passkey aan je account toegevoegd. Daarmee kan voortaan bij het inloggen worden bevestigd dat jij het bent.\n\nWas jij dit niet? Verwijder de passkey bij Aanmelden en beveiliging en wijzig je wachtwoord.",
			},
			portalmfa.NotifyPasskeyRemoved: {
				"Er is een passkey van je account verwijderd",
				"Hallo {{.Name}},\n\nOp {{.When}} is vanaf {{.IP}}{{with .Device}} ({{.}}){{end}} een passkey van je account verwijderd. Daarmee kan niet meer worden ingelogd.\n\nWas jij dit niet? Wijzig je wachtwoord en controleer je passkeys bij Aanmelden en beveiliging.",
			},
			portalmfa.NotifyCodesSuspended: {
				"Codes uit je authenticator-app zijn opgeschort",
				"Hallo {{.Name}},\n\nNa veel foute codes achter elkaar, de laatste op {{.When}} vanaf {{.IP}}, kun je niet meer inloggen met codes uit je authenticator-app. Misschien probeert iemand die je wachtwoord kent ze te raden.\n\nLog in met een passkey of een back-upcode om ze weer aan te zetten, en wijzig daarna je wachtwoord. Heb je geen van beide, neem dan contact op met support.",
			},
			portalmfa.NotifyTOTPReplaced: {
				"Je authenticator-app is vervangen",
				"Hallo {{.Name}},\n\nOp {{.When}} heeft een nieuwe authenticator-app vanaf {{.IP}}{{with .Device}} ({{.}}){{end}} de oude vervangen. Codes uit de oude app werken niet meer.\n\nWas jij dit niet? Dan heeft iemand die je wachtwoord en een van je inlogmethoden kent het gedaan: wijzig nu je wachtwoord en controleer je inlogmethoden bij Aanmelden en beveiliging.",
			},
			portalmfa.NotifyPasskeyClone: {
				"Een inlogpoging met een van je passkeys is geweigerd",
				"Hallo {{.Name}},\n\nOp {{.When}} is een inlogpoging vanaf {{.IP}}{{with .Device}} ({{.}}){{end}} met een van je passkeys geweigerd: de handtekeningteller ervan was niet opgehoogd, een teken dat de passkey mogelijk is gekopieerd.\n\nControleer je passkeys bij Aanmelden en beveiliging, verwijder de passkeys die je niet herkent of niet meer vertrouwt, en wijzig je wachtwoord.",
			},
		},
	}
}
