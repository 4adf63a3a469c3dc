with

source as (

    select * from {{ source('reference', 'ref_regions') }}

),

renamed as (

    select
        ---------- ids
        region_code::varchar as region_code,

        ---------- text
        region_name::varchar as region_name,

        ---------- provenance
        _source_file::varchar as source_file,
        _source_row::bigint as source_row

    from source

)

select * from renamed
