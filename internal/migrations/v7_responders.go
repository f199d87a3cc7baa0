package migrations

import (
	"context"
	"fmt"

	"github.com/faro-project/faro/internal/store"
)

// responders: responders, their channels and message templates (internal/responders).
// Names, notes, home points, addresses and webhook secrets are vault
// ciphertexts; kinds, languages and templates are clear (templates hold no
// personal data until rendered).
func responders(ctx context.Context, tx *store.Tx) error {
	id, blob := tx.Types()
	stmts := []string{
		fmt.Sprintf(`CREATE TABLE responders (
			id BIGINT PRIMARY KEY,
			name %[1]s NOT NULL,
			kind TEXT NOT NULL,
			languages TEXT NOT NULL DEFAULT '',
			notes %[1]s,
			home %[1]s,
			active INTEGER NOT NULL DEFAULT 1,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL)`, blob),
		`CREATE INDEX responders_kind ON responders (kind, active)`,
		fmt.Sprintf(`CREATE TABLE responder_channels (
			id BIGINT PRIMARY KEY,
			responder_id BIGINT NOT NULL REFERENCES responders(id) ON DELETE CASCADE,
			channel TEXT NOT NULL,
			address %[1]s NOT NULL,
			secret %[1]s,
			position INTEGER NOT NULL DEFAULT 0)`, blob),
		`CREATE INDEX responder_channels_responder ON responder_channels (responder_id, position)`,
		fmt.Sprintf(`CREATE TABLE message_templates (
			id %s,
			name TEXT NOT NULL,
			channel TEXT NOT NULL DEFAULT '',
			lang TEXT NOT NULL,
			subject TEXT NOT NULL DEFAULT '',
			body TEXT NOT NULL,
			builtin INTEGER NOT NULL DEFAULT 0,
			created_at BIGINT NOT NULL,
			updated_at BIGINT NOT NULL,
			UNIQUE (name, lang, channel))`, id),
	}
	if err := store.ExecAll(ctx, tx, stmts...); err != nil {
		return err
	}
	now := store.Now()
	for _, t := range builtinTemplates {
		if _, err := tx.Exec(ctx, `INSERT INTO message_templates (name, channel, lang, subject, body, builtin, created_at, updated_at)
			VALUES (?, '', ?, ?, ?, 1, ?, ?)`, t.name, t.lang, t.subject, t.body, now, now); err != nil {
			return err
		}
	}
	return nil
}

// builtinTemplate is a message template Faro ships; admins edit them as
// data afterwards. Fields are those of notify.TemplateData.
type builtinTemplate struct{ name, lang, subject, body string }

var builtinTemplates = []builtinTemplate{
	{"distress", "en", "DISTRESS: boat in distress, {{.PeopleOnBoard}} people on board (case {{.Ref}})",
		`To the duty officer,

{{.Instance}} has received a distress call from a boat at sea and asks you to coordinate a search and rescue operation without delay.

Case: {{.Ref}}
Last known position: {{.PositionDecimal}}
                     {{.PositionDMS}}
Time of position fix: {{.PositionTime}}
People on board: {{.PeopleOnBoard}}
Condition: {{.Condition}}
Phone on board: {{.CallerPhone}}
{{if .Notes}}Notes: {{.Notes}}
{{end}}
Please acknowledge receipt and tell us what action you are taking:
{{.AckURL}}

This message was sent automatically by {{.Instance}}.`},
	{"distress", "es", "SOCORRO: embarcación en peligro, {{.PeopleOnBoard}} personas a bordo (caso {{.Ref}})",
		`Al oficial de guardia:

{{.Instance}} ha recibido una llamada de socorro de una embarcación en el mar y le solicita que coordine sin demora una operación de búsqueda y salvamento.

Caso: {{.Ref}}
Última posición conocida: {{.PositionDecimal}}
                          {{.PositionDMS}}
Hora de la posición: {{.PositionTime}}
Personas a bordo: {{.PeopleOnBoard}}
Situación: {{.Condition}}
Teléfono a bordo: {{.CallerPhone}}
{{if .Notes}}Notas: {{.Notes}}
{{end}}
Por favor, confirme la recepción e indíquenos qué medidas está tomando:
{{.AckURL}}

Mensaje enviado automáticamente por {{.Instance}}.`},
	{"distress", "fr", "DÉTRESSE : embarcation en détresse, {{.PeopleOnBoard}} personnes à bord (cas {{.Ref}})",
		`À l'officier de permanence,

{{.Instance}} a reçu un appel de détresse d'une embarcation en mer et vous demande de coordonner sans délai une opération de recherche et de sauvetage.

Cas : {{.Ref}}
Dernière position connue : {{.PositionDecimal}}
                           {{.PositionDMS}}
Heure de la position : {{.PositionTime}}
Personnes à bord : {{.PeopleOnBoard}}
État : {{.Condition}}
Téléphone à bord : {{.CallerPhone}}
{{if .Notes}}Notes : {{.Notes}}
{{end}}
Merci d'accuser réception et de nous indiquer les mesures que vous prenez :
{{.AckURL}}

Message envoyé automatiquement par {{.Instance}}.`},
	{"distress", "it", "SOCCORSO: imbarcazione in pericolo, {{.PeopleOnBoard}} persone a bordo (caso {{.Ref}})",
		`All'ufficiale di guardia,

{{.Instance}} ha ricevuto una richiesta di soccorso da un'imbarcazione in mare e chiede di coordinare senza indugio un'operazione di ricerca e soccorso.

Caso: {{.Ref}}
Ultima posizione nota: {{.PositionDecimal}}
                       {{.PositionDMS}}
Ora del rilevamento: {{.PositionTime}}
Persone a bordo: {{.PeopleOnBoard}}
Condizioni: {{.Condition}}
Telefono a bordo: {{.CallerPhone}}
{{if .Notes}}Note: {{.Notes}}
{{end}}
Si prega di confermare la ricezione e di comunicarci le azioni intraprese:
{{.AckURL}}

Messaggio inviato automaticamente da {{.Instance}}.`},
	{"distress", "ar", "استغاثة: قارب في خطر، على متنه {{.PeopleOnBoard}} شخصًا (الحالة {{.Ref}})",
		`إلى الضابط المناوب،

تلقّى {{.Instance}} نداء استغاثة من قارب في البحر، ويطلب منكم تنسيق عملية بحث وإنقاذ دون تأخير.

الحالة: {{.Ref}}
آخر موقع معروف: {{.PositionDecimal}}
                 {{.PositionDMS}}
وقت تحديد الموقع: {{.PositionTime}}
عدد الأشخاص على متن القارب: {{.PeopleOnBoard}}
الوضع: {{.Condition}}
الهاتف على متن القارب: {{.CallerPhone}}
{{if .Notes}}ملاحظات: {{.Notes}}
{{end}}
يرجى تأكيد الاستلام وإبلاغنا بالإجراءات التي تتخذونها:
{{.AckURL}}

أُرسلت هذه الرسالة تلقائيًا من {{.Instance}}.`},

	{"raid_verify", "en", "Please verify: raid reported near {{.Area}} ({{.Ref}})",
		`A raid has been reported near {{.Area}} at {{.PositionTime}}.
Position: {{.PositionDecimal}} ({{.PositionDMS}})
{{if .Notes}}Report: {{.Notes}}
{{end}}
Can you confirm it safely? Answer here: {{.AckURL}}
Do not put yourself at risk. ({{.Instance}})`},
	{"raid_verify", "es", "Verificación: redada señalada cerca de {{.Area}} ({{.Ref}})",
		`Se ha señalado una redada cerca de {{.Area}} a las {{.PositionTime}}.
Posición: {{.PositionDecimal}} ({{.PositionDMS}})
{{if .Notes}}Aviso: {{.Notes}}
{{end}}
¿Puede confirmarla sin correr riesgos? Responda aquí: {{.AckURL}}
No se ponga en peligro. ({{.Instance}})`},
	{"raid_verify", "fr", "Vérification : rafle signalée près de {{.Area}} ({{.Ref}})",
		`Une rafle a été signalée près de {{.Area}} à {{.PositionTime}}.
Position : {{.PositionDecimal}} ({{.PositionDMS}})
{{if .Notes}}Signalement : {{.Notes}}
{{end}}
Pouvez-vous la confirmer sans risque ? Répondez ici : {{.AckURL}}
Ne vous mettez pas en danger. ({{.Instance}})`},
	{"raid_verify", "it", "Verifica: retata segnalata vicino a {{.Area}} ({{.Ref}})",
		`È stata segnalata una retata vicino a {{.Area}} alle {{.PositionTime}}.
Posizione: {{.PositionDecimal}} ({{.PositionDMS}})
{{if .Notes}}Segnalazione: {{.Notes}}
{{end}}
Puoi confermarla senza rischi? Rispondi qui: {{.AckURL}}
Non metterti in pericolo. ({{.Instance}})`},
	{"raid_verify", "ar", "للتحقق: بلاغ عن مداهمة قرب {{.Area}} ({{.Ref}})",
		`وردنا بلاغ عن مداهمة قرب {{.Area}} في {{.PositionTime}}.
الموقع: {{.PositionDecimal}} ({{.PositionDMS}})
{{if .Notes}}البلاغ: {{.Notes}}
{{end}}
هل يمكنك التأكد منها دون تعريض نفسك للخطر؟ أجب هنا: {{.AckURL}}
لا تعرّض نفسك للخطر. ({{.Instance}})`},

	{"raid_alert", "en", "ALERT: confirmed raid near {{.Area}} until {{.Expires}}",
		`ALERT: a raid has been confirmed near {{.Area}}.
Seen at: {{.PositionTime}}
Valid until: {{.Expires}}
{{if .Notes}}{{.Notes}}
{{end}}Stay away from the area and warn people around you. ({{.Instance}})`},
	{"raid_alert", "es", "ALERTA: redada confirmada cerca de {{.Area}} hasta {{.Expires}}",
		`ALERTA: se ha confirmado una redada cerca de {{.Area}}.
Vista a las: {{.PositionTime}}
Válida hasta: {{.Expires}}
{{if .Notes}}{{.Notes}}
{{end}}Evite la zona y avise a las personas de su entorno. ({{.Instance}})`},
	{"raid_alert", "fr", "ALERTE : rafle confirmée près de {{.Area}} jusqu'à {{.Expires}}",
		`ALERTE : une rafle a été confirmée près de {{.Area}}.
Vue à : {{.PositionTime}}
Valable jusqu'à : {{.Expires}}
{{if .Notes}}{{.Notes}}
{{end}}Évitez la zone et prévenez les personnes autour de vous. ({{.Instance}})`},
	{"raid_alert", "it", "ALLERTA: retata confermata vicino a {{.Area}} fino alle {{.Expires}}",
		`ALLERTA: è stata confermata una retata vicino a {{.Area}}.
Vista alle: {{.PositionTime}}
Valida fino a: {{.Expires}}
{{if .Notes}}{{.Notes}}
{{end}}Evita la zona e avvisa le persone intorno a te. ({{.Instance}})`},
	{"raid_alert", "ar", "تنبيه: مداهمة مؤكدة قرب {{.Area}} حتى {{.Expires}}",
		`تنبيه: تأكّد وقوع مداهمة قرب {{.Area}}.
شوهدت في: {{.PositionTime}}
صالح حتى: {{.Expires}}
{{if .Notes}}{{.Notes}}
{{end}}ابتعد عن المنطقة وحذّر من حولك. ({{.Instance}})`},

	{"escalation", "en", "ESCALATION: case {{.Ref}} still without response",
		`Case {{.Ref}} ({{.Kind}}, {{.Phase}}) has had no acknowledgement.
Last known position: {{.PositionDecimal}} ({{.PositionDMS}}) at {{.PositionTime}}
People on board: {{.PeopleOnBoard}}
{{if .Notes}}Notes: {{.Notes}}
{{end}}
Please act now and acknowledge: {{.AckURL}}
({{.Instance}})`},
	{"escalation", "es", "ESCALADA: el caso {{.Ref}} sigue sin respuesta",
		`El caso {{.Ref}} ({{.Kind}}, {{.Phase}}) no ha recibido confirmación.
Última posición conocida: {{.PositionDecimal}} ({{.PositionDMS}}) a las {{.PositionTime}}
Personas a bordo: {{.PeopleOnBoard}}
{{if .Notes}}Notas: {{.Notes}}
{{end}}
Actúe ahora y confirme: {{.AckURL}}
({{.Instance}})`},
	{"escalation", "fr", "ESCALADE : le cas {{.Ref}} est toujours sans réponse",
		`Le cas {{.Ref}} ({{.Kind}}, {{.Phase}}) n'a fait l'objet d'aucun accusé de réception.
Dernière position connue : {{.PositionDecimal}} ({{.PositionDMS}}) à {{.PositionTime}}
Personnes à bord : {{.PeopleOnBoard}}
{{if .Notes}}Notes : {{.Notes}}
{{end}}
Merci d'agir maintenant et d'accuser réception : {{.AckURL}}
({{.Instance}})`},
	{"escalation", "it", "ESCALATION: il caso {{.Ref}} è ancora senza risposta",
		`Il caso {{.Ref}} ({{.Kind}}, {{.Phase}}) non ha ricevuto conferma.
Ultima posizione nota: {{.PositionDecimal}} ({{.PositionDMS}}) alle {{.PositionTime}}
Persone a bordo: {{.PeopleOnBoard}}
{{if .Notes}}Note: {{.Notes}}
{{end}}
Si prega di intervenire ora e confermare: {{.AckURL}}
({{.Instance}})`},
	{"escalation", "ar", "تصعيد: الحالة {{.Ref}} ما زالت دون رد",
		`لم يصل أي تأكيد بشأن الحالة {{.Ref}} ({{.Kind}}، {{.Phase}}).
آخر موقع معروف: {{.PositionDecimal}} ({{.PositionDMS}}) في {{.PositionTime}}
عدد الأشخاص على متن القارب: {{.PeopleOnBoard}}
{{if .Notes}}ملاحظات: {{.Notes}}
{{end}}
يرجى التحرك الآن وتأكيد الاستلام: {{.AckURL}}
({{.Instance}})`},
}
