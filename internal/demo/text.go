package demo

// Everything below is invented for the demo. No real person is described.

var places = []string{
	"forest path near the border fence", "river bank below the old bridge", "abandoned factory used as a squat",
	"road junction by the petrol station", "beach south of the harbour", "dry wash two hours from the road",
	"police station in the border town", "open sea, about 30 nautical miles from the coast", "farm track near the village",
	"railway line north of the station", "water station 4 in the valley", "cemetery road by the canal",
}

var sources = []string{
	"interview by a field volunteer", "message relayed by a partner group", "call to the hotline",
	"photos sent by the group", "medical report from a clinic", "statement collected at the shelter",
}

var pseudonyms = map[string][]string{
	"en": {"J.", "Sam", "M.B.", "Alex", "T."},
	"ar": {"أبو علي", "م.", "سامر", "ليلى", "ع."},
	"fa": {"ر.", "نوید", "م.ک.", "زهرا", "ب."},
	"fr": {"K.", "Moussa", "A.D.", "Fatou", "I."},
	"es": {"L.", "Don Pedro", "M.J.", "Rosa", "C."},
}

var narratives = map[string][]string{
	"en": {
		"We walked for two nights through the forest. Police officers caught us at dawn, took our phones and money and broke them. They drove us back to the border in a closed van and told us to go.",
		"The boat had no more fuel. We called for help many times. A grey ship came close but did not stop, and later a smaller boat towed us back to the shore.",
		"They made us take off our shoes and jackets and walk through the cold river. One of the men was beaten with a stick when he asked for asylum.",
		"We found the water gallons cut open and empty. Someone had written on the rocks. Two people in our group were very weak from the heat.",
		"At the station they kept us for one day without food. Nobody translated. They gave us a paper we could not read and then took us to the river.",
	},
	"ar": {
		"مشينا ليلتين في الغابة. أمسكتنا الشرطة عند الفجر وأخذوا هواتفنا ونقودنا وكسروها، ثم أعادونا إلى الحدود في شاحنة مغلقة.",
		"نفد الوقود من القارب. اتصلنا طلباً للمساعدة مرات كثيرة. اقتربت سفينة رمادية لكنها لم تتوقف، ثم سحبنا قارب صغير إلى الشاطئ.",
		"أجبرونا على خلع أحذيتنا وستراتنا وعبور النهر البارد. ضربوا أحد الرجال بالعصا عندما طلب اللجوء.",
		"احتجزونا يوماً كاملاً في المخفر بلا طعام ولا مترجم، ثم أعطونا ورقة لم نفهمها وأخذونا إلى النهر.",
		"كان معنا أطفال صغار. أطلقوا الكلاب علينا في الظلام وعضّ كلبٌ ساقَ صديقي.",
	},
	"fa": {
		"دو شب در جنگل راه رفتیم. پلیس صبح زود ما را گرفت، گوشی‌ها و پول ما را گرفت و شکست و ما را با ون بسته به مرز برگرداند.",
		"ما را مجبور کردند کفش و کاپشن خود را در بیاوریم و از رودخانه سرد رد شویم. وقتی یکی از ما پناهندگی خواست، او را با باتوم زدند.",
		"در پاسگاه یک روز کامل بدون غذا نگه‌مان داشتند. هیچ مترجمی نبود. بعد ما را به مرز بردند.",
		"سگ‌ها را به طرف ما فرستادند. پای دوستم زخمی شد و کسی به او کمک نکرد.",
	},
	"fr": {
		"Nous avons marché deux nuits dans la forêt. La police nous a arrêtés à l'aube, a pris nos téléphones et notre argent, puis nous a ramenés à la frontière dans un fourgon fermé.",
		"Le bateau n'avait plus d'essence. Nous avons appelé à l'aide plusieurs fois. Un navire gris s'est approché sans s'arrêter, puis un petit bateau nous a remorqués vers la côte.",
		"Au poste, ils nous ont gardés une journée sans manger. Personne ne traduisait. On nous a donné un papier que nous ne pouvions pas lire.",
		"Ils nous ont frappés quand nous avons demandé l'asile. Une femme enceinte a perdu connaissance.",
	},
	"es": {
		"Caminamos dos noches por el desierto. Encontramos los galones de agua rotos y vacíos. Dos personas del grupo ya no podían seguir por el calor.",
		"La patrulla nos detuvo en el camino de terracería. Separaron a las mujeres y a los niños y no nos dijeron a dónde los llevaban.",
		"Cruzamos el río de noche. La corriente se llevó a un muchacho; lo buscamos hasta el amanecer y no lo encontramos.",
		"Nos encerraron en un cuarto muy frío dos días. Nadie nos explicó nada en nuestro idioma y nos regresaron por el puente.",
	},
}
