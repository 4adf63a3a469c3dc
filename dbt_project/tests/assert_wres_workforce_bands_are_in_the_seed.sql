-- Every (staff group, band) of a WRES workforce sheet must be in the wres_bands seed: a
-- cell the seed lacked would count in `all` but drop out of the wres1 band breakdowns.
-- Returns the cells that are not in the seed.
select distinct workforce.staff_group, workforce.band
from {{ ref('stg_wres__workforce') }} as workforce
left join {{ ref('wres_bands') }} as bands
    on workforce.staff_group = bands.staff_group
    and workforce.band = bands.band
where bands.band is null
