"""Texts for the story tests: one wire article, in English and in Arabic, and an unrelated one."""
WIRE = ("The central bank raised its main interest rate by half a percentage point on Thursday, "
        "its third increase this year, saying that inflation remained far above its target and "
        "that further moves could not be ruled out as energy prices kept rising across the "
        "region.")
WIRE_AR = ("أعلن البنك المركزي يوم الخميس رفع سعر الفائدة الرئيسي بمقدار نصف نقطة مئوية، في "
           "ثالث زيادة هذا العام، مؤكدا أن التضخم ما زال أعلى بكثير من المستهدف وأن خطوات أخرى "
           "غير مستبعدة مع استمرار ارتفاع أسعار الطاقة في المنطقة.")
OTHER = ("Heavy rain flooded dozens of villages in the north of the country overnight, forcing "
         "hundreds of families to leave their homes while rescue teams used boats to reach "
         "people trapped on rooftops, the civil defence agency said in a statement on Friday.")
